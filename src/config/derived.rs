//! What the rest of the gateway derives from the configuration: the start-up
//! summary and warnings, the status provider in use, the HTTP read limits and the
//! poll timings.

use super::{Config, EmailTransport};

impl Config {
    /// One line for the start-up log: what this gateway will do. Never a secret.
    pub fn summary(&self) -> String {
        let receivers: Vec<&str> = [
            (
                "native",
                self.push
                    .native
                    .as_ref()
                    .is_some_and(|r| !r.secret.is_empty()),
            ),
            (
                "trackingmore",
                self.push
                    .trackingmore
                    .as_ref()
                    .is_some_and(|r| r.v2_on() || r.v4_on()),
            ),
            (
                "aftership",
                self.push
                    .aftership
                    .as_ref()
                    .is_some_and(|r| !r.secret.is_empty()),
            ),
            (
                "17track",
                self.push
                    .seventeentrack
                    .as_ref()
                    .is_some_and(|r| !r.secret.is_empty()),
            ),
        ]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect();
        let email = match self.email.transport {
            EmailTransport::Smtp => {
                format!("smtp to {}:{}", self.email.smtp.host, self.email.smtp.port)
            }
            EmailTransport::File => format!("files in {}", self.email.dir.display()),
            EmailTransport::Off => "off".into(),
        };
        let store = match self.store.backend {
            super::StoreBackend::Sled => format!(
                "sled in {} ({} MiB cache)",
                self.data_dir.display(),
                self.store.cache_mb
            ),
            // Host, port and database only: the URL may carry a password.
            super::StoreBackend::Postgres => match reqwest::Url::parse(self.store.url.expose()) {
                Ok(u) => format!(
                    "postgres at {}:{}{} ({} connections)",
                    u.host_str().unwrap_or("?"),
                    u.port().unwrap_or(5432),
                    u.path(),
                    self.store.pool_size
                ),
                Err(_) => "postgres".into(),
            },
        };
        format!(
            "{} account(s); store: {store}; email: {email}; status provider: {}; push receivers: {}",
            self.accounts.len(),
            self.provider_summary().unwrap_or("none"),
            if receivers.is_empty() { "none".into() } else { receivers.join(", ") },
        )
    }

    /// The status provider polls and realtime use for real carriers, if any.
    pub fn provider_summary(&self) -> Option<&'static str> {
        match self.poll.provider.as_str() {
            "sandbox" => Some("sandbox"),
            _ if self.poll.trackingmore.api_key.is_empty() => None,
            _ => Some("trackingmore"),
        }
    }

    /// Start-up warnings about settings that work but will disappoint.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.provider_summary().is_none() {
            out.push(
                "no status provider is configured: trackings of real carriers will only change by push; \
                 set poll.trackingmore.api_key to poll TrackingMore"
                    .to_string(),
            );
        }
        let loopback = reqwest::Url::parse(&self.public_url).ok().is_some_and(|u| {
            matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
                || u.host_str().is_some_and(|h| h.starts_with("127."))
        });
        if self
            .push
            .trackingmore
            .as_ref()
            .is_some_and(|tm| tm.v2_on() && tm.path_token.is_none())
        {
            out.push(
                "push.trackingmore has no path_token: TrackingMore's signature covers only the time, \
                 so anyone who knows the account email can sign a push, and pushes signed in the \
                 same second are refused but the first; set push.trackingmore.path_token \
                 (32+ random characters)"
                    .to_string(),
            );
        }
        if loopback && self.email.transport != EmailTransport::Off {
            out.push(format!(
                "public_url {} is a loopback address while email is on: customers' links will be dead; set public_url",
                self.public_url
            ));
        }
        out
    }

    /// The HTTP server's read limits.
    pub fn read_limits(&self) -> crate::server::ReadLimits {
        crate::server::ReadLimits {
            header_timeout: self.limits.header_timeout.0,
            body_timeout: self.limits.body_timeout.0,
            max_body_bytes: self.limits.max_body_bytes,
        }
    }

    /// The poll timings in the form the store schedules with.
    pub fn poll_policy(&self) -> crate::core::schedule::PollPolicy {
        crate::core::schedule::PollPolicy {
            interval: self.poll.interval.0.as_secs() as i64,
            expire_express: self.poll.expire_express.0.as_secs() as i64,
            expire_postal: self.poll.expire_postal.0.as_secs() as i64,
        }
    }
}
