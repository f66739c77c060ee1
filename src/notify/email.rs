//! Email out: lettre's pooled async SMTP transport (none / STARTTLS / TLS, optional
//! auth), or `.eml` files for the embedded default. SMTP 4xx retries, 5xx is permanent.

use super::outcome::Sent;
use super::templates::Email;
use crate::config::{EmailConfig, EmailTransport, SmtpSecurity};
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Writes one message as `<id>.eml`, whole or not at all: a retry of the same
/// notification overwrites its own file rather than adding another.
async fn write_eml(dir: &Path, id: &str, raw: &[u8]) -> std::io::Result<()> {
    let name: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect();
    let tmp = dir.join(format!(".{name}.eml.tmp"));
    tokio::fs::write(&tmp, raw).await?;
    tokio::fs::rename(&tmp, dir.join(format!("{name}.eml"))).await
}

/// The configured transport.
pub enum Mailer {
    /// SMTP, to `server` (`host:port`).
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        server: String,
    },
    /// `<notification id>.eml` files in a directory.
    File(PathBuf),
    /// Email is switched off.
    Off,
}

impl Mailer {
    /// Where mail goes, as a try records it.
    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp { server, .. } => format!("SMTP {server}"),
            Mailer::File(dir) => format!("files in {}", dir.display()),
            Mailer::Off => "nowhere (email.transport is off)".into(),
        }
    }

    /// Builds the transport from config; errors name the key.
    pub fn new(cfg: &EmailConfig, timeout: Duration) -> Result<Mailer, String> {
        Ok(match cfg.transport {
            EmailTransport::Off => Mailer::Off,
            EmailTransport::File => {
                std::fs::create_dir_all(&cfg.dir)
                    .map_err(|e| format!("email.dir {}: {e}", cfg.dir.display()))?;
                Mailer::File(cfg.dir.clone())
            }
            EmailTransport::Smtp => {
                let s = &cfg.smtp;
                let builder = match s.security {
                    SmtpSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
                    }
                    SmtpSecurity::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                            .map_err(|e| format!("email.smtp.host: {e}"))?
                    }
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)
                        .map_err(|e| format!("email.smtp.host: {e}"))?,
                };
                let mut builder = builder
                    .port(s.port)
                    .timeout(Some(timeout))
                    .pool_config(PoolConfig::new().max_size(8));
                if !s.username.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        s.username.clone(),
                        s.password.expose().to_string(),
                    ));
                }
                Mailer::Smtp {
                    transport: builder.build(),
                    server: format!("{}:{}", s.host, s.port),
                }
            }
        })
    }

    /// Sends one rendered email. `id` becomes the Message-ID, stable across retries.
    pub async fn send(&self, from: &str, to: &str, id: &str, email: &Email) -> Sent {
        let from: Mailbox = match from.parse() {
            Ok(m) => m,
            Err(e) => {
                return Sent::Permanent {
                    code: None,
                    error: format!("email.from is not an address: {e}"),
                    disable: false,
                }
            }
        };
        let to: Mailbox = match crate::core::recipient::parse(to) {
            Ok(m) => m,
            Err(_) => {
                return Sent::Permanent {
                    code: None,
                    error: "customer_email is not a deliverable address".into(),
                    disable: false,
                }
            }
        };
        let to_address = to.email.to_string();
        let msg = Message::builder()
            .from(from)
            .to(to)
            .subject(&email.subject)
            .message_id(Some(format!("<{id}@trackgate>")))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html.clone()),
                    ),
            );
        let msg = match msg {
            Ok(m) => m,
            Err(e) => {
                return Sent::Permanent {
                    code: None,
                    error: format!("cannot build the email: {e}"),
                    disable: false,
                }
            }
        };
        match self {
            Mailer::Off => Sent::Permanent {
                code: None,
                error: "email.transport is off".into(),
                disable: false,
            },
            Mailer::File(dir) => match write_eml(dir, id, &msg.formatted()).await {
                Ok(()) => Sent::Delivered { code: None },
                Err(e) => Sent::Retry {
                    code: None,
                    error: format!("cannot write the .eml file: {e}"),
                    after: None,
                },
            },
            Mailer::Smtp { transport, server } => match transport.send(msg).await {
                Ok(r) => Sent::Delivered {
                    code: Some(u16::from(r.code())),
                },
                Err(e) => {
                    let code = e.status().map(u16::from);
                    let error = smtp_error(server, &e, &to_address);
                    if e.is_permanent() {
                        Sent::Permanent {
                            code,
                            error,
                            disable: false,
                        }
                    } else {
                        Sent::Retry {
                            code,
                            error,
                            after: None,
                        }
                    }
                }
            },
        }
    }
}

/// What a failed SMTP send says: the server, the reply (code and text) or the
/// connection's cause, each cause in the chain; the recipient masked wherever
/// the server repeats it.
fn smtp_error(server: &str, e: &lettre::transport::smtp::Error, to: &str) -> String {
    let mut text = if e.is_timeout() {
        format!("SMTP {server}: timed out ({e})")
    } else {
        format!("SMTP {server}: {e}")
    };
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let c_text = c.to_string();
        if !text.contains(&c_text) {
            text.push_str(": ");
            text.push_str(&c_text);
        }
        cause = c.source();
    }
    crate::core::recipient::mask_in(&text, to)
}
