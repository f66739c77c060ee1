//! Remote-area rules: which postcodes a carrier serves at extra cost or delay.
//! The table format is documented in `tables/remote-areas.tsv`.

use std::collections::HashMap;

/// The shipped table (sample data, clearly labelled as such).
pub const REMOTE_AREAS_TSV: &str = include_str!("../../tables/remote-areas.tsv");

#[derive(Debug, Clone)]
enum Pattern {
    Exact(String),
    Prefix(String),
    Range(u64, u64),
}

/// One rule of the table.
#[derive(Debug, Clone)]
pub struct RemoteRule {
    pattern: Pattern,
    /// Carrier name or code, `*` for all.
    pub company: String,
    /// Free text from the table.
    pub note: String,
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

impl RemoteRule {
    fn matches(&self, postcode: &str) -> bool {
        match &self.pattern {
            Pattern::Exact(p) => *p == postcode,
            Pattern::Prefix(p) => postcode.starts_with(p.as_str()),
            Pattern::Range(lo, hi) => postcode
                .parse::<u64>()
                .is_ok_and(|n| (*lo..=*hi).contains(&n)),
        }
    }
}

/// The remote-area table, by country.
#[derive(Debug, Clone, Default)]
pub struct RemoteAreas(HashMap<String, Vec<RemoteRule>>);

impl RemoteAreas {
    /// Parses the table; names the first bad line.
    pub fn parse(text: &str) -> Result<RemoteAreas, String> {
        let mut map: HashMap<String, Vec<RemoteRule>> = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').map(str::trim).collect();
            if f.len() < 3 {
                return Err(format!(
                    "line {}: expected country, postcode, company[, note]",
                    i + 1
                ));
            }
            let country = f[0].to_ascii_uppercase();
            if country.len() != 2 {
                return Err(format!(
                    "line {}: country {:?} is not an ISO2 code",
                    i + 1,
                    f[0]
                ));
            }
            let raw = fold(f[1]);
            let pattern = if let Some(p) = raw.strip_suffix('*') {
                Pattern::Prefix(p.to_string())
            } else if let Some((a, b)) = raw.split_once('-') {
                match (a.parse(), b.parse()) {
                    (Ok(lo), Ok(hi)) if lo <= hi => Pattern::Range(lo, hi),
                    _ => return Err(format!("line {}: bad range {:?}", i + 1, f[1])),
                }
            } else {
                Pattern::Exact(raw)
            };
            map.entry(country).or_default().push(RemoteRule {
                pattern,
                company: f[2].to_string(),
                note: f.get(3).unwrap_or(&"").to_string(),
            });
        }
        Ok(RemoteAreas(map))
    }

    /// Rules matching a postcode in a country, optionally for one company.
    pub fn lookup(&self, country: &str, postcode: &str, company: Option<&str>) -> Vec<&RemoteRule> {
        let postcode = fold(postcode);
        self.0
            .get(country)
            .into_iter()
            .flatten()
            .filter(|r| r.matches(&postcode))
            .filter(|r| match company {
                None => true,
                Some(c) => r.company == "*" || r.company.eq_ignore_ascii_case(c.trim()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_prefix_and_range_rules_match() {
        let t =
            RemoteAreas::parse("JP\t762*\tdhl\tn\nNZ\tPapaaroha\t*\t\nAU\t0800-0899\t*\t").unwrap();
        assert_eq!(t.lookup("JP", "7621094", Some("DHL")).len(), 1);
        assert!(t.lookup("JP", "7621094", Some("fedex")).is_empty());
        assert_eq!(t.lookup("NZ", "papaaroha", None).len(), 1);
        assert_eq!(t.lookup("AU", "0812", None).len(), 1);
        assert!(t.lookup("AU", "0900", None).is_empty());
    }

    #[test]
    fn the_shipped_table_parses_and_is_only_sample_data() {
        let t = RemoteAreas::parse(REMOTE_AREAS_TSV).unwrap();
        assert!(
            t.0.keys().all(|c| c == "XX"),
            "shipped rules must stay in the fictional country XX"
        );
        assert!(RemoteAreas::parse("JP\t1-\t*").is_err());
    }
}
