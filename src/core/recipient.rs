//! A customer's email address, read by the same parser the mailer sends with, so a
//! tracking is refused at create rather than its notification dying later.

use lettre::message::Mailbox;

/// Why a text is not one deliverable address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecipientError {
    /// Several addresses (a list) where one is expected.
    #[error("is a list; give one address")]
    List,
    /// Not an address the mailer can send to.
    #[error("is not an email address")]
    Invalid,
}

/// Parses one mailbox (`jo@example.com` or `Jo <jo@example.com>`). The error
/// never repeats the address: it may end up in logs.
pub fn parse(s: &str) -> Result<Mailbox, RecipientError> {
    let s = s.trim();
    if s.contains(',') || s.contains(';') {
        return Err(RecipientError::List);
    }
    let m: Mailbox = s.parse().map_err(|_| RecipientError::Invalid)?;
    // A domain without a dot only exists inside one network: never a customer's.
    if !m.email.domain().contains('.') {
        return Err(RecipientError::Invalid);
    }
    Ok(m)
}

/// An address as it may be shown to the operator and logged: the first two
/// characters of the local part, then `***`, then the domain
/// (`jo***@example.net`). Anything not an address is all masked.
pub fn mask(address: &str) -> String {
    match address.trim().rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() => {
            let head: String = local.chars().take(2).collect();
            format!("{head}***@{domain}")
        }
        _ => "***".into(),
    }
}

/// `text` with every mention of `address` masked (an SMTP reply often repeats
/// the recipient).
pub fn mask_in(text: &str, address: &str) -> String {
    let address = address.trim();
    if address.is_empty() {
        return text.to_string();
    }
    text.replace(address, &mask(address))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_address_keeps_only_its_start_and_domain() {
        assert_eq!(mask("jo.customer@example.net"), "jo***@example.net");
        assert_eq!(mask("j@example.net"), "j***@example.net");
        assert_eq!(mask("nonsense"), "***");
        assert_eq!(
            mask_in(
                "550 5.1.1 <jo.customer@example.net>: unknown",
                "jo.customer@example.net"
            ),
            "550 5.1.1 <jo***@example.net>: unknown"
        );
    }

    #[test]
    fn one_real_address_is_accepted() {
        assert!(parse("jo@example.com").is_ok());
        assert!(parse("Jo Example <jo@example.com>").is_ok());
        assert!(parse(" jo.customer+tag@mail.example.net ").is_ok());
    }

    #[test]
    fn anything_else_is_refused_without_echoing_it() {
        for bad in [
            "jo",
            "jo@",
            "@example.com",
            "jo@localhost",
            "jo @example.com",
        ] {
            assert_eq!(parse(bad), Err(RecipientError::Invalid), "{bad}");
        }
        assert_eq!(
            parse("a@example.com, b@example.com"),
            Err(RecipientError::List)
        );
        assert_eq!(
            parse("a@example.com;b@example.com"),
            Err(RecipientError::List)
        );
    }
}
