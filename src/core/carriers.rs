//! The carrier registry: TrackingMore's v2 carrier list plus postal operators by country.
//!
//! The data files ship in `data/` and are compiled into the binary, so a gateway runs
//! from any directory; they are parsed once at start.

use serde::Serialize;
use std::collections::HashMap;

const CARRIERS_TSV: &str = include_str!("../../tables/carriers.tsv");
const CARRIERS_EXTRA_TSV: &str = include_str!("../../tables/carriers-extra.tsv");
const POSTAL_TSV: &str = include_str!("../../tables/postal-operators.tsv");

/// Codes clients send that are not TrackingMore's, mapped to the code TrackingMore uses.
/// Accepted on input, never emitted.
const ALIASES: &[(&str, &str)] = &[
    ("deutsch-post", "deutsche-post"),
    ("evri", "hermes-uk"),
    ("brt", "bartolini"),
    ("seur", "international-seur"),
    ("correos-express", "correosexpress"),
    ("dhl-paket", "dhl-germany"),
];

/// One carrier as `GET /v2/carriers` lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Carrier {
    /// TrackingMore's carrier code, e.g. `usps`.
    pub code: String,
    /// English name.
    pub name: String,
    /// Chinese name, as TrackingMore lists it.
    pub name_cn: String,
    /// `express`, `globalpost`, or `sandbox`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Country as TrackingMore gives it (not always clean ISO).
    pub country_code: String,
    /// Carrier homepage.
    pub homepage: String,
    /// Customer-service phone.
    pub phone: String,
    /// Tracking page; `******` stands for the number.
    pub track_url: String,
}

impl Carrier {
    /// Postal operators' parcels are expected to take longer (expiry after 60 days, not 30).
    pub fn is_postal(&self) -> bool {
        self.kind == "globalpost"
    }
}

/// The national postal operators of one country, best first.
#[derive(Debug, Clone, Default)]
pub struct PostalOperators {
    /// Main codes; the first is the letter post, an `-ems` code is the EMS operator.
    pub primary: Vec<String>,
    /// Other confirmed codes of that country's post (parcels, overseas territories...).
    pub secondary: Vec<String>,
}

/// The whole registry.
#[derive(Debug)]
pub struct Carriers {
    list: Vec<Carrier>,
    by_code: HashMap<String, usize>,
    postal: HashMap<String, PostalOperators>,
}

fn parse_tsv(text: &str, out: &mut Vec<Carrier>) {
    for line in text.lines().skip(1) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut f = line.split('\t').map(str::trim);
        let mut next = || f.next().unwrap_or("").to_string();
        let carrier = Carrier {
            code: next(),
            name: next(),
            name_cn: next(),
            kind: next(),
            country_code: next(),
            homepage: next(),
            phone: next(),
            track_url: next(),
        };
        if !carrier.code.is_empty() {
            out.push(carrier);
        }
    }
}

impl Carriers {
    /// The registry built from the shipped data files.
    pub fn builtin() -> Carriers {
        let mut list = Vec::with_capacity(1100);
        parse_tsv(CARRIERS_TSV, &mut list);
        parse_tsv(CARRIERS_EXTRA_TSV, &mut list);
        let mut by_code = HashMap::with_capacity(list.len());
        list.retain(|c| {
            let fresh = !by_code.contains_key(&c.code);
            if fresh {
                by_code.insert(c.code.clone(), by_code.len());
            }
            fresh
        });
        let mut postal = HashMap::new();
        for line in POSTAL_TSV.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.split('\t');
            let (Some(cc), Some(p), s) = (f.next(), f.next(), f.next().unwrap_or("")) else {
                continue;
            };
            let codes = |s: &str| -> Vec<String> {
                s.split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(String::from)
                    .collect()
            };
            postal.insert(
                cc.to_string(),
                PostalOperators {
                    primary: codes(p),
                    secondary: codes(s),
                },
            );
        }
        Carriers {
            list,
            by_code,
            postal,
        }
    }

    /// Every carrier, in the order of TrackingMore's list.
    pub fn all(&self) -> &[Carrier] {
        &self.list
    }

    /// Looks a carrier up by code, case-insensitively, through the input aliases.
    pub fn resolve(&self, code: &str) -> Option<&Carrier> {
        let code = code.trim().to_ascii_lowercase();
        let code = ALIASES
            .iter()
            .find(|(alias, _)| *alias == code)
            .map_or(code.as_str(), |(_, real)| real);
        self.by_code.get(code).map(|&i| &self.list[i])
    }

    /// The postal operators of a country (ISO 3166-1 alpha-2).
    pub fn postal(&self, country: &str) -> Option<&PostalOperators> {
        self.postal.get(country)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_trackingmore_list_ships() {
        let c = Carriers::builtin();
        let from_tm = CARRIERS_TSV
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .count();
        assert_eq!(from_tm, 1073);
        for line in CARRIERS_TSV.lines().skip(1) {
            let code = line.split('\t').next().unwrap();
            assert!(c.resolve(code).is_some(), "{code} missing");
        }
        assert!(c.all().len() >= 1073 + 17);
    }

    #[test]
    fn aliases_and_case_resolve_to_trackingmore_codes() {
        let c = Carriers::builtin();
        assert_eq!(c.resolve("deutsch-post").unwrap().code, "deutsche-post");
        assert_eq!(c.resolve("USPS").unwrap().code, "usps");
        assert!(c.resolve("nepal-post").is_none());
    }

    #[test]
    fn postal_operators_come_from_the_reference_table() {
        let c = Carriers::builtin();
        assert_eq!(c.postal("CN").unwrap().primary, ["china-ems", "china-post"]);
        assert_eq!(c.postal("GB").unwrap().primary[0], "royal-mail");
        for ops in c.postal.values() {
            for code in ops.primary.iter().chain(&ops.secondary) {
                assert!(c.resolve(code).is_some(), "{code} is not a known carrier");
            }
        }
    }
}
