//! Signature checks of pushes, each on the raw body bytes. Comparisons are constant time.

use crate::signing::same;
pub use crate::signing::{hmac, standard_key, standard_sign};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};

/// How far a signed timestamp may be from our clock.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a push was refused as unauthenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    /// A signature header or field is missing.
    #[error("missing {0}")]
    Missing(&'static str),
    /// The timestamp is outside the tolerance.
    #[error("stale or future timestamp: more than 5 minutes from now")]
    Stale,
    /// The signature does not match.
    #[error("signature does not match")]
    Mismatch,
    /// The signed timestamp is not an integer unix time.
    #[error("{0} must be an integer unix time")]
    BadTimestamp(&'static str),
    /// A signature already used for another body: a replay with a forged body.
    #[error("this signature was already used for another body")]
    Replayed,
}

/// Compares a presented signature with the expected one in constant time; hex
/// signatures are compared case-insensitively.
fn check(got: &str, expected: &str, hex: bool) -> Result<(), SigError> {
    let got = got.trim();
    let got = if hex {
        got.to_ascii_lowercase()
    } else {
        got.to_string()
    };
    if same(got.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(SigError::Mismatch)
    }
}

/// Checks Standard Webhooks headers: `webhook-id`, `webhook-timestamp` (±5 min),
/// `webhook-signature` (space-separated `v1,<sig>`, any may match).
pub fn verify_standard(
    secret: &str,
    id: Option<&str>,
    timestamp: Option<&str>,
    signatures: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SigError> {
    let id = id.ok_or(SigError::Missing("webhook-id header"))?;
    let ts: i64 = timestamp
        .ok_or(SigError::Missing("webhook-timestamp header"))?
        .trim()
        .parse()
        .map_err(|_| SigError::Stale)?;
    let sigs = signatures.ok_or(SigError::Missing("webhook-signature header"))?;
    if (now - ts).abs() > TOLERANCE_SECS {
        return Err(SigError::Stale);
    }
    let expected = standard_sign(secret, id, ts, body);
    let expected = expected.as_bytes();
    if sigs
        .split_whitespace()
        .any(|s| same(s.as_bytes(), expected))
    {
        Ok(())
    } else {
        Err(SigError::Mismatch)
    }
}

/// TrackingMore v2: lowercase hex HMAC-SHA256 of `timeStr` keyed by the account email.
/// `timeStr` must be an integer unix time (seconds or milliseconds) within ±5 min.
/// The scheme does not cover the body: callers accept each (timeStr, signature) pair
/// for one body only.
pub fn verify_trackingmore(
    email: &str,
    time_str: &str,
    signature: &str,
    now: i64,
) -> Result<(), SigError> {
    let mut t: i64 = time_str
        .trim()
        .parse()
        .map_err(|_| SigError::BadTimestamp("verifyInfo.timeStr"))?;
    if t > 100_000_000_000 {
        t /= 1000; // milliseconds
    }
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(SigError::Stale);
    }
    let expected = hex::encode(hmac(email.as_bytes(), &[time_str.as_bytes()]));
    check(signature, &expected, true)
}

/// What a TrackingMore v4 signature was found to cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V4Signed {
    /// The raw body: the push is authentic as it stands.
    Body,
    /// The timestamp only (the documents' own example): the caller binds the
    /// signature to one body, as for v2.
    Timestamp,
}

/// TrackingMore v4: HMAC-SHA256 keyed by the webhook secret. Its documents
/// contradict each other (base64 over the body in the text, hex over the
/// timestamp in the example), so both encodings over both messages are accepted;
/// a signed timestamp must be within ±5 min.
pub fn verify_trackingmore_v4(
    secret: &str,
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<V4Signed, SigError> {
    let sig = signature
        .ok_or(SigError::Missing("signature header"))?
        .trim();
    let either = |mac: &[u8]| {
        same(
            sig.to_ascii_lowercase().as_bytes(),
            hex::encode(mac).as_bytes(),
        ) || same(sig.as_bytes(), B64.encode(mac).as_bytes())
    };
    if either(&hmac(secret.as_bytes(), &[body])) {
        return Ok(V4Signed::Body);
    }
    let Some(ts) = timestamp.map(str::trim) else {
        return Err(SigError::Mismatch);
    };
    if !either(&hmac(secret.as_bytes(), &[ts.as_bytes()])) {
        return Err(SigError::Mismatch);
    }
    let mut t: i64 = ts
        .parse()
        .map_err(|_| SigError::BadTimestamp("the timestamp header"))?;
    if t > 100_000_000_000 {
        t /= 1000; // milliseconds
    }
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(SigError::Stale);
    }
    Ok(V4Signed::Timestamp)
}

/// AfterShip: base64 HMAC-SHA256 of the raw body in `aftership-hmac-sha256`.
pub fn verify_aftership(secret: &str, header: Option<&str>, body: &[u8]) -> Result<(), SigError> {
    let got = header.ok_or(SigError::Missing("aftership-hmac-sha256 header"))?;
    let expected = B64.encode(hmac(secret.as_bytes(), &[body]));
    check(got, &expected, false)
}

/// 17TRACK: `sign` = lowercase hex SHA-256 of `body + "/" + key`.
pub fn verify_17track(key: &str, header: Option<&str>, body: &[u8]) -> Result<(), SigError> {
    let got = header.ok_or(SigError::Missing("sign header"))?;
    let mut h = Sha256::new();
    h.update(body);
    h.update(b"/");
    h.update(key.as_bytes());
    let expected = hex::encode(h.finalize());
    check(got, &expected, true)
}

/// A body's SHA-256, hex: the dedupe id of pushes that carry no id of their own.
pub fn body_id(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_webhooks_accept_any_listed_signature_and_refuse_stale_ones() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"a":1}"#;
        let good = standard_sign(secret, "msg_1", 1000, body);
        let header = format!("v1,bm90LWl0 {good}");
        assert_eq!(
            verify_standard(
                secret,
                Some("msg_1"),
                Some("1000"),
                Some(&header),
                body,
                1100
            ),
            Ok(())
        );
        assert_eq!(
            verify_standard(
                secret,
                Some("msg_1"),
                Some("1000"),
                Some(&header),
                body,
                1400
            ),
            Err(SigError::Stale)
        );
        assert_eq!(
            verify_standard(
                secret,
                Some("msg_2"),
                Some("1000"),
                Some(&header),
                body,
                1100
            ),
            Err(SigError::Mismatch)
        );
        assert_eq!(
            verify_standard(secret, None, Some("1000"), Some(&header), body, 1100),
            Err(SigError::Missing("webhook-id header"))
        );
    }

    #[test]
    fn standard_webhooks_matches_the_published_example() {
        // The Standard Webhooks specification's example secret, id, timestamp and body.
        let sig = standard_sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn trackingmore_aftership_and_17track_signatures_check_out() {
        let sig = hex::encode(hmac(b"shop@example.com", &[b"1700000000"]));
        assert_eq!(
            verify_trackingmore("shop@example.com", "1700000000", &sig, 1700000100),
            Ok(())
        );
        assert_eq!(
            verify_trackingmore("other@example.com", "1700000000", &sig, 1700000100),
            Err(SigError::Mismatch)
        );
        assert_eq!(
            verify_trackingmore("shop@example.com", "1700000000", &sig, 1700009999),
            Err(SigError::Stale)
        );
        let word = hex::encode(hmac(b"shop@example.com", &[b"yesterday"]));
        assert_eq!(
            verify_trackingmore("shop@example.com", "yesterday", &word, 1700000000),
            Err(SigError::BadTimestamp("verifyInfo.timeStr"))
        );
        let a = B64.encode(hmac(b"s3cret", &[b"{}"]));
        assert_eq!(verify_aftership("s3cret", Some(&a), b"{}"), Ok(()));
        assert_eq!(
            verify_aftership("s3cret", Some(&a), b"{ }"),
            Err(SigError::Mismatch)
        );
        let s = hex::encode(Sha256::digest(b"{}/k"));
        assert_eq!(verify_17track("k", Some(&s), b"{}"), Ok(()));
        assert_eq!(
            verify_17track("k", Some(&s), b"[]"),
            Err(SigError::Mismatch)
        );
    }

    #[test]
    fn trackingmore_v4_takes_the_documents_example_and_a_body_signature_in_either_encoding() {
        let secret = "2e55b9a3-4dd1-4416-9897-c4bd1e3d738f";
        // The example of TrackingMore's webhook page: hex over the timestamp.
        let doc = "a37084ab68ae16b77db1f8463f31be9fcc965e2515e03efecf8139bb1e511b06";
        let now = 1_662_371_528;
        let body = br#"{"code":200,"data":{}}"#;
        assert_eq!(
            verify_trackingmore_v4(secret, Some(doc), Some("1662371528"), body, now + 60),
            Ok(V4Signed::Timestamp)
        );
        assert_eq!(
            verify_trackingmore_v4(secret, Some(doc), Some("1662371528"), body, now + 3600),
            Err(SigError::Stale)
        );
        let mac = hmac(secret.as_bytes(), &[body]);
        for sig in [B64.encode(&mac), hex::encode(&mac)] {
            assert_eq!(
                verify_trackingmore_v4(secret, Some(&sig), None, body, now),
                Ok(V4Signed::Body)
            );
            let other = br#"{"code":200,"data":{"x":1}}"#;
            assert_eq!(
                verify_trackingmore_v4(secret, Some(&sig), None, other, now),
                Err(SigError::Mismatch)
            );
        }
    }
}
