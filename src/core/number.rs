//! Tracking numbers, parsed once at the edge.

use std::fmt;

/// A normalised tracking number: upper case, no white space, 4–50 characters of
/// letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingNumber(String);

/// Why a string is not a tracking number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Nothing was given.
    #[error("tracking_number is required")]
    Missing,
    /// Something was given but it cannot be a tracking number.
    #[error("tracking_number {0:?} is invalid: use 4-50 letters, digits or '-'")]
    Invalid(String),
}

impl TrackingNumber {
    /// Normalises and checks `raw`.
    pub fn parse(raw: &str) -> Result<TrackingNumber, NumberError> {
        let n: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if n.is_empty() {
            return Err(NumberError::Missing);
        }
        let ok_chars = n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !(4..=50).contains(&n.len()) || !ok_chars || n.starts_with('-') {
            let mut shown: String = raw.chars().take(60).collect();
            if raw.chars().count() > 60 {
                shown.push('…');
            }
            return Err(NumberError::Invalid(shown));
        }
        Ok(TrackingNumber(n))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spaces_are_dropped_and_letters_upper_cased() {
        assert_eq!(
            TrackingNumber::parse(" rr 0503 4957 5ph ")
                .unwrap()
                .as_str(),
            "RR050349575PH"
        );
    }

    #[test]
    fn bad_numbers_are_refused_with_a_reason() {
        assert_eq!(TrackingNumber::parse("  "), Err(NumberError::Missing));
        assert!(matches!(
            TrackingNumber::parse("ab"),
            Err(NumberError::Invalid(_))
        ));
        assert!(matches!(
            TrackingNumber::parse("AB12$%"),
            Err(NumberError::Invalid(_))
        ));
        assert!(matches!(
            TrackingNumber::parse(&"1".repeat(51)),
            Err(NumberError::Invalid(_))
        ));
    }

    proptest! {
        #[test]
        fn parsing_is_idempotent(raw in "[a-zA-Z0-9 -]{0,60}") {
            if let Ok(n) = TrackingNumber::parse(&raw) {
                prop_assert_eq!(TrackingNumber::parse(n.as_str()), Ok(n.clone()));
                prop_assert!(n.as_str().len() <= 50);
            }
        }
    }
}
