//! Countries: ISO 3166-1 alpha-2 codes and their English names.

use std::collections::HashMap;
use std::sync::LazyLock;

const COUNTRIES_TSV: &str = include_str!("../../tables/countries.tsv");

struct Table {
    names: HashMap<&'static str, &'static str>,
    by_name: HashMap<String, &'static str>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut names = HashMap::new();
    let mut by_name = HashMap::new();
    for line in COUNTRIES_TSV.lines().filter(|l| !l.starts_with('#')) {
        if let Some((code, name)) = line.split_once('\t') {
            names.entry(code).or_insert(name);
            by_name.insert(fold(name), code);
        }
    }
    // Names clients commonly send that differ from the ISO short name.
    for (alias, code) in [
        ("usa", "US"),
        ("united states of america", "US"),
        ("uk", "GB"),
        ("great britain", "GB"),
        ("england", "GB"),
        ("south korea", "KR"),
        ("korea", "KR"),
        ("russian federation", "RU"),
        ("czech republic", "CZ"),
        ("holland", "NL"),
        ("the netherlands", "NL"),
    ] {
        by_name.insert(alias.to_string(), code);
    }
    Table { names, by_name }
});

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Parses an ISO2 code (any case) or an English country name into the ISO2 code.
pub fn parse(input: &str) -> Option<&'static str> {
    let t = &*TABLE;
    let upper = input.trim().to_ascii_uppercase();
    // TrackingMore's data uses UK for Great Britain.
    let upper = if upper == "UK" {
        "GB".to_string()
    } else {
        upper
    };
    if let Some((code, _)) = t.names.get_key_value(upper.as_str()) {
        return Some(code);
    }
    t.by_name.get(&fold(input)).copied()
}

/// The English name of an ISO2 code.
pub fn name(code: &str) -> Option<&'static str> {
    TABLE.names.get(code).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_parse_to_iso2() {
        assert_eq!(parse("jp"), Some("JP"));
        assert_eq!(parse("Japan"), Some("JP"));
        assert_eq!(parse("UK"), Some("GB"));
        assert_eq!(parse("United States"), Some("US"));
        assert_eq!(parse("Atlantis"), None);
        assert_eq!(name("PH"), Some("Philippines"));
    }
}
