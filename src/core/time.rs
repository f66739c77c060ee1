//! Time formats on the wire: unix seconds inside, TrackingMore's strings outside.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    Utc::now().timestamp()
}

/// Where the workers read the time: the system clock, or a manual one that tests
/// set and advance, so a retry due in five minutes is tested without waiting.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual_ms: Option<std::sync::Arc<std::sync::atomic::AtomicI64>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock standing at `secs` until advanced.
    pub fn manual(secs: i64) -> Clock {
        Clock {
            manual_ms: Some(std::sync::Arc::new(secs.saturating_mul(1000).into())),
        }
    }

    /// Milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        match &self.manual_ms {
            Some(ms) => ms.load(std::sync::atomic::Ordering::SeqCst),
            None => Utc::now().timestamp_millis(),
        }
    }

    /// Seconds since the epoch.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves a manual clock on (the system clock moves by itself).
    pub fn advance(&self, secs: i64) {
        if let Some(ms) = &self.manual_ms {
            ms.fetch_add(secs * 1000, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// `2015-10-30T11:35:16+00:00`, as TrackingMore's `created_at`.
pub fn rfc3339(ts: i64) -> String {
    Utc.timestamp_opt(ts, 0)
        .single()
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string())
        .unwrap_or_default()
}

/// `2015-10-25 15:01`, as TrackingMore's checkpoint `Date` and `lastUpdateTime`.
pub fn tm_date(ts: i64) -> String {
    Utc.timestamp_opt(ts, 0)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The time zone customers are shown times in (an IANA name such as
/// `Europe/Paris`); UTC unless the shop names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(chrono_tz::Tz);

impl Default for Zone {
    fn default() -> Zone {
        Zone(chrono_tz::UTC)
    }
}

impl Zone {
    /// The zone of an IANA name, or `None` for a name the tz database lacks.
    pub fn parse(name: &str) -> Option<Zone> {
        name.trim().parse::<chrono_tz::Tz>().ok().map(Zone)
    }

    /// The zone of `name` when set and known, else UTC.
    pub fn of(name: Option<&str>) -> Zone {
        name.and_then(Zone::parse).unwrap_or_default()
    }

    /// Its IANA name (`UTC` by default), as messages name it beside times.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// [`tm_date`] in this zone.
    pub fn tm_date(&self, ts: i64) -> String {
        self.0
            .timestamp_opt(ts, 0)
            .single()
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }

    /// A [`tm_date`] (UTC) shown in this zone; text that is not one is kept.
    pub fn shift(&self, utc: &str) -> String {
        match NaiveDateTime::parse_from_str(utc, "%Y-%m-%d %H:%M") {
            Ok(t) => self.tm_date(t.and_utc().timestamp()),
            Err(_) => utc.to_string(),
        }
    }
}

/// Reads the date forms clients send: unix seconds, RFC 3339, `2017-08-26 16:48[:ss]`,
/// `2017/8/27 16:51`, `2018-05-11`, `20181001`. Times without a zone are taken as UTC.
pub fn parse_loose(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    let s = s.replace('/', "-").replace('T', " ");
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&s, fmt) {
            return Some(t.and_utc().timestamp());
        }
    }
    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_shift_into_a_named_zone() {
        let paris = Zone::parse("Europe/Paris").unwrap();
        assert_eq!(paris.name(), "Europe/Paris");
        assert_eq!(
            paris.shift("2026-07-01 10:00"),
            "2026-07-01 12:00",
            "summer: UTC+2"
        );
        assert_eq!(
            paris.shift("2026-12-01 10:00"),
            "2026-12-01 11:00",
            "winter: UTC+1"
        );
        assert_eq!(paris.shift("not a date"), "not a date");
        assert_eq!(Zone::of(None).name(), "UTC");
        assert_eq!(Zone::parse("Mars/Olympus"), None);
    }

    #[test]
    fn client_date_forms_parse() {
        let t = 1503766080; // 2017-08-26 16:48 UTC
        assert_eq!(parse_loose("2017-08-26 16:48"), Some(t));
        assert_eq!(parse_loose("2017/8/26 16:48"), Some(t));
        assert_eq!(parse_loose("1503766080"), Some(t));
        assert_eq!(parse_loose("2017-08-26T16:48:00Z"), Some(t));
        assert_eq!(parse_loose("20170826"), Some(1503705600));
        assert_eq!(parse_loose("next tuesday"), None);
        assert_eq!(tm_date(t), "2017-08-26 16:48");
        assert_eq!(rfc3339(t), "2017-08-26T16:48:00+00:00");
    }
}
