//! The push receivers and their secrets.

use super::values::Secret;
use serde::Deserialize;

/// Push receivers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PushConfig {
    /// `/hooks/native` (Standard Webhooks).
    pub native: Option<SecretOnly>,
    /// `/hooks/trackingmore` (signed with the account email).
    pub trackingmore: Option<TrackingMorePush>,
    /// `/hooks/aftership`.
    pub aftership: Option<SecretOnly>,
    /// `/hooks/17track`.
    pub seventeentrack: Option<SecretOnly>,
}

/// A receiver keyed by one secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretOnly {
    /// The shared secret.
    pub secret: Secret,
}

/// TrackingMore's push receiver: v2 webhooks (signed with the account email) and
/// v4 webhooks (signed with the webhook secret), told apart by their bodies.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackingMorePush {
    /// The TrackingMore account email that keys v2 signatures; empty = v2 off.
    #[serde(default)]
    pub email: Secret,
    /// The v4 webhook secret (TrackingMore's Developer > Webhooks page); empty =
    /// v4 off.
    #[serde(default)]
    pub webhook_secret: Secret,
    /// The header carrying a v4 signature. TrackingMore's documents do not name
    /// it; `signature` unless set.
    #[serde(default = "default_signature_header")]
    pub signature_header: String,
    /// The header carrying a v4 signature's timestamp (when the signature covers
    /// the time rather than the body); `timestamp` unless set.
    #[serde(default = "default_timestamp_header")]
    pub timestamp_header: String,
    /// When set, the receiver listens on `/hooks/trackingmore/{path_token}` only:
    /// TrackingMore's signature does not cover the body, so an unguessable path
    /// keeps forged pushes out. Use at least 32 random characters.
    #[serde(default)]
    pub path_token: Option<Secret>,
}

fn default_signature_header() -> String {
    "signature".into()
}

fn default_timestamp_header() -> String {
    "timestamp".into()
}

impl TrackingMorePush {
    /// Whether v2 pushes are taken (an account email is set).
    pub fn v2_on(&self) -> bool {
        !self.email.is_empty()
    }

    /// Whether v4 pushes are taken (a webhook secret is set).
    pub fn v4_on(&self) -> bool {
        !self.webhook_secret.is_empty()
    }
}
