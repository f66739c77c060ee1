//! How customer emails leave: the transport and its SMTP server.

use super::values::Secret;
use serde::Deserialize;
use std::path::PathBuf;

/// How email leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransport {
    /// SMTP via lettre.
    Smtp,
    /// `.eml` files in `email.dir`.
    File,
    /// Not sent.
    Off,
}

/// Outgoing email.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    /// `From:` header.
    pub from: String,
    /// Transport.
    pub transport: EmailTransport,
    /// SMTP settings.
    pub smtp: SmtpConfig,
    /// Directory for the `file` transport.
    pub dir: PathBuf,
}

/// SMTP connection security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain text.
    None,
    /// STARTTLS upgrade.
    Starttls,
    /// TLS from the first byte.
    Tls,
}

/// SMTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Connection security.
    pub security: SmtpSecurity,
    /// Login; empty = no authentication.
    pub username: String,
    /// Password.
    pub password: Secret,
}

impl Default for EmailConfig {
    fn default() -> EmailConfig {
        EmailConfig {
            from: "Shop Tracking <tracking@example.com>".into(),
            transport: EmailTransport::File,
            smtp: SmtpConfig::default(),
            dir: "./data/mail".into(),
        }
    }
}

impl Default for SmtpConfig {
    fn default() -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: 2525,
            security: SmtpSecurity::None,
            username: String::new(),
            password: Secret::default(),
        }
    }
}
