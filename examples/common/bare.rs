//! The baseline for signed pushes: a bare hyper server that only checks a push's
//! Standard Webhooks HMAC and answers 200, with nothing stored and nothing sent. It
//! runs as a child process of the load tool (the tool re-runs itself with
//! `--bare-server`), so that it competes for the cores like the gateway does.

use super::receiver::{secret_key, sign};
use super::PUSH_SECRET;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

async fn check(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let h = req.headers().clone();
    let body = req.into_body().collect().await?.to_bytes();
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let expected = sign(
        &secret_key(PUSH_SECRET),
        get("webhook-id"),
        get("webhook-timestamp"),
        &body,
    );
    let ok = get("webhook-signature").split(' ').any(|s| s == expected);
    let (status, text) = match ok {
        true => (StatusCode::OK, r#"{"transitions":0}"#),
        false => (StatusCode::UNAUTHORIZED, r#"{"ok":false}"#),
    };
    Ok(Response::builder()
        .status(status)
        .body(Full::new(Bytes::from_static(text.as_bytes())))
        .unwrap())
}

/// In the child (run with `--bare-server`): serves until killed, after printing
/// its address. Returns at once otherwise.
pub fn serve_if_asked() {
    if !std::env::args().any(|a| a == "--bare-server") {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("listening on {}", listener.local_addr().unwrap());
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(socket), hyper::service::service_fn(check))
                    .await;
            });
        }
    });
    std::process::exit(0);
}

/// The baseline server as a child process; killed on drop.
pub struct Bare {
    child: Child,
    pub base: String,
}

impl Bare {
    pub fn start() -> Bare {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .arg("--bare-server")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line.trim().trim_start_matches("listening on ").to_string();
        Bare {
            child,
            base: format!("http://{addr}"),
        }
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
