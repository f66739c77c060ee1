//! A tiny DNS server for the rebinding test: every A query for any name is answered
//! from a list of addresses in turn (TTL 0, so nothing is cached); other query
//! types get an empty answer.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub struct Dns {
    pub addr: SocketAddr,
    queries: Arc<AtomicUsize>,
}

impl Dns {
    /// Answers A queries with `answers[0]`, `answers[1]`, ... round and round.
    pub fn alternating(answers: Vec<Ipv4Addr>) -> Dns {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = sock.local_addr().unwrap();
        let queries = Arc::new(AtomicUsize::new(0));
        let q = queries.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok((n, peer)) = sock.recv_from(&mut buf) {
                if let Some(reply) = answer(&buf[..n], &answers, &q) {
                    let _ = sock.send_to(&reply, peer);
                }
            }
        });
        Dns { addr, queries }
    }

    /// A queries answered so far.
    pub fn a_queries(&self) -> usize {
        self.queries.load(Ordering::SeqCst)
    }
}

fn answer(q: &[u8], answers: &[Ipv4Addr], count: &AtomicUsize) -> Option<Vec<u8>> {
    // Header (12 bytes), then QNAME labels up to a zero byte, QTYPE, QCLASS.
    let mut i = 12;
    while *q.get(i)? != 0 {
        i += usize::from(q[i]) + 1;
    }
    let qtype = u16::from_be_bytes([*q.get(i + 1)?, *q.get(i + 2)?]);
    let question = &q[12..i + 5];
    let is_a = qtype == 1;
    let mut r = Vec::with_capacity(64);
    r.extend_from_slice(&q[..2]); // id
    r.extend_from_slice(&[0x81, 0x80]); // response, recursion desired + available, NOERROR
    r.extend_from_slice(&[0, 1, 0, u8::from(is_a), 0, 0, 0, 0]);
    r.extend_from_slice(question);
    if is_a {
        let n = count.fetch_add(1, Ordering::SeqCst);
        let ip = answers[n % answers.len()];
        r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4]);
        r.extend_from_slice(&ip.octets());
    }
    Some(r)
}
