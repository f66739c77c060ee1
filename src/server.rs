//! The HTTP server loop and request-body reading, with the limits a public server
//! needs: a client that stalls mid-headers or mid-body loses its socket after a
//! timeout, a body announced larger than allowed is refused before it is read, and
//! shutdown waits for open connections only so long.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::response::Response;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::convert::Infallible;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::{Service, ServiceExt};

/// How long requests in flight get to finish once shutdown starts; the contract
/// gives the whole process 10 s to exit.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Read limits of every connection.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    /// Longest wait for a request's headers, from the moment the server waits for them.
    pub header_timeout: Duration,
    /// Longest time to receive a whole body.
    pub body_timeout: Duration,
    /// Largest body.
    pub max_body_bytes: usize,
}

/// Serves `app` on `listener` until `shutdown`, then lets requests in flight finish
/// for at most [`SHUTDOWN_GRACE`].
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    limits: ReadLimits,
    shutdown: CancellationToken,
) where
    S: Service<Request<hyper::body::Incoming>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        // Handlers see the client's address (the wrong-key throttle keys on it).
        let app = app
            .clone()
            .map_request(move |mut req: Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req
            });
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_secs = SHUTDOWN_GRACE.as_secs(),
            "connections still open at shutdown were closed"
        );
    }
}

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Larger than the limit (announced or counted).
    TooLarge(usize),
    /// Not all there within the body timeout.
    TimedOut(Duration),
    /// The connection failed mid-body.
    Failed(String),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge(n) => write!(f, "request body is larger than {n} bytes"),
            BodyError::TimedOut(d) => {
                write!(f, "request body not received within {} s", d.as_secs())
            }
            BodyError::Failed(e) => write!(f, "cannot read request body: {e}"),
        }
    }
}

/// Reads and drops up to `cap` bytes of a refused body, for at most `within`.
async fn drain(body: Body, cap: usize, within: Duration) {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut seen = 0usize;
    let _ = tokio::time::timeout(within, async {
        while let Some(Ok(frame)) = body.frame().await {
            seen += frame.data_ref().map_or(0, |d| d.len());
            if seen > cap {
                break;
            }
        }
    })
    .await;
}

/// The announced `Content-Length`, if any.
pub fn announced_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Reads a whole body within the limits: an announced length over the limit is
/// refused before a byte is read; a body that does not arrive in time is dropped.
pub async fn read_body(req: Request, limits: &ReadLimits) -> Result<Bytes, BodyError> {
    let max = limits.max_body_bytes;
    if announced_length(&req).is_some_and(|n| n > max as u64) {
        // Answer now, but keep reading (and dropping) what is already on its way
        // for a moment: closing a socket with unread data resets it, and the client
        // could lose our 413 before it reads it.
        tokio::spawn(drain(req.into_body(), 2 * max, Duration::from_secs(2)));
        return Err(BodyError::TooLarge(max));
    }
    let body: Body = req.into_body();
    match tokio::time::timeout(limits.body_timeout, axum::body::to_bytes(body, max)).await {
        Err(_) => Err(BodyError::TimedOut(limits.body_timeout)),
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large {
                Err(BodyError::TooLarge(max))
            } else {
                Err(BodyError::Failed(e.to_string()))
            }
        }
    }
}
