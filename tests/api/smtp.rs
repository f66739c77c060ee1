//! A real SMTP server in the process that uses it (tests, load tools): mailin's SMTP
//! session (the protocol, from a maintained crate) behind a thread per connection,
//! speaking SMTP over TCP to the gateway's lettre transport. It keeps each message.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One message the SMTP server accepted.
#[derive(Clone, Default)]
struct Mail {
    rcpt: Vec<String>,
    data: Vec<u8>,
}

/// mailin's per-connection handler: collects the envelope and data of each message.
#[derive(Clone)]
struct Sink {
    current: Mail,
    done: Arc<Mutex<Vec<Mail>>>,
    /// Refuse every recipient with 550 (a mailbox that does not exist).
    reject: bool,
}

impl mailin::Handler for Sink {
    fn rcpt(&mut self, to: &str) -> mailin::Response {
        if self.reject {
            return mailin::Response::custom(550, format!("5.1.1 <{to}>: mailbox unavailable"));
        }
        mailin::response::OK
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin::Response {
        self.current = Mail {
            rcpt: to.to_vec(),
            data: Vec::new(),
        };
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin::Response {
        let mail = std::mem::take(&mut self.current);
        self.done.lock().unwrap().push(mail);
        mailin::response::OK
    }
}

/// A real SMTP server in this test process, speaking SMTP over TCP to the gateway's
/// lettre transport: mailin's session (the SMTP protocol, a maintained crate) behind
/// a thread per connection. It keeps each message.
pub struct Smtp {
    done: Arc<Mutex<Vec<Mail>>>,
}

/// Serves one SMTP connection until the client quits or hangs up.
fn smtp_session(
    stream: std::net::TcpStream,
    done: Arc<Mutex<Vec<Mail>>>,
    reject: bool,
) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader, Write};
    stream.set_nodelay(true)?;
    let peer = stream.peer_addr()?.ip();
    let mut out = stream.try_clone()?;
    let mut session = mailin::SessionBuilder::new("smtp.test").build(
        peer,
        Sink {
            current: Mail::default(),
            done,
            reject,
        },
    );
    session.greeting().write_to(&mut out)?;
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let res = session.process(&line);
        match res.action {
            mailin::Action::NoReply => {}
            mailin::Action::Close => {
                res.write_to(&mut out)?;
                return out.flush();
            }
            _ => res.write_to(&mut out)?,
        }
        out.flush()?;
    }
}

impl Smtp {
    pub fn start(port: u16) -> Smtp {
        Smtp::serve(port, false)
    }

    /// A server that refuses every recipient: `550 5.1.1 <address>: mailbox
    /// unavailable`, repeating the address as real servers do.
    #[allow(dead_code)] // used by the API tests, not the load tools
    pub fn start_rejecting(port: u16) -> Smtp {
        Smtp::serve(port, true)
    }

    fn serve(port: u16, reject: bool) -> Smtp {
        let done = Arc::new(Mutex::new(Vec::new()));
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("SMTP port free");
        let d = done.clone();
        // The accept loop ends with the test process.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let d = d.clone();
                std::thread::spawn(move || smtp_session(stream, d, reject));
            }
        });
        Smtp { done }
    }

    /// How many messages came in so far.
    #[allow(dead_code)] // used by the load tools, not every test
    pub fn count(&self) -> usize {
        self.done.lock().unwrap().len()
    }

    /// Messages received so far, as raw text, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let done = self.done.lock().unwrap();
        done.iter()
            .map(|m| String::from_utf8_lossy(&m.data).into_owned())
            .collect()
    }

    /// Envelope recipients of each message, oldest first.
    pub fn recipients(&self) -> Vec<Vec<String>> {
        self.done
            .lock()
            .unwrap()
            .iter()
            .map(|m| m.rcpt.clone())
            .collect()
    }

    pub fn wait_for(&self, n: usize, secs: u64) -> Vec<String> {
        let end = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < end {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "SMTP server got {} messages, expected {n} within {secs} s",
            self.messages().len()
        );
    }
}
