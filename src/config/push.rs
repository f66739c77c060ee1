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

/// TrackingMore's push receiver.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackingMorePush {
    /// The TrackingMore account email that keys the signature.
    pub email: Secret,
    /// When set, the receiver listens on `/hooks/trackingmore/{path_token}` only:
    /// TrackingMore's signature does not cover the body, so an unguessable path
    /// keeps forged pushes out. Use at least 32 random characters.
    #[serde(default)]
    pub path_token: Option<Secret>,
}
