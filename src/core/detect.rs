//! Carrier detection from a tracking number's shape.
//!
//! Every rule that fits adds its carriers as candidates with a score; a passing check
//! digit raises the score, a failing one lowers it (never removes: TrackingMore's own
//! example numbers fail strict check digits). The answer is every candidate, best first.

use super::carriers::{Carrier, Carriers};
use super::checkdigit;
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// What a passing check digit adds to a candidate's score.
const CHECK_PASS: i32 = 25;
/// What a failing check digit takes away.
const CHECK_FAIL: i32 = -15;

type Check = fn(&str) -> bool;

struct Rule {
    pattern: &'static str,
    /// Carrier codes and their base scores: how specific the pattern is for each.
    carriers: &'static [(&'static str, i32)],
    check: Option<Check>,
}

/// Strips the 420+ZIP routing prefix of a USPS IMpb barcode before its check.
fn usps_routed(n: &str) -> bool {
    let body = if n.len() == 30 || n.len() == 34 {
        &n[8..]
    } else {
        &n[12..]
    };
    checkdigit::mod10_31(body)
}

#[rustfmt::skip]
const RULES: &[Rule] = &[
    Rule { pattern: r"^1Z[A-Z0-9]{16}$", carriers: &[("ups", 95)], check: Some(checkdigit::ups) },
    Rule { pattern: r"^9[1-5]\d{20}$|^9[1-5]\d{24}$", carriers: &[("usps", 90)], check: Some(checkdigit::mod10_31) },
    Rule { pattern: r"^420\d{5}9[1-5](\d{20}|\d{24})$|^420\d{9}9[1-5](\d{20}|\d{24})$", carriers: &[("usps", 95)], check: Some(usps_routed) },
    Rule { pattern: r"^82\d{8}$", carriers: &[("usps", 40)], check: None },
    Rule { pattern: r"^\d{20}$", carriers: &[("usps", 50), ("fedex", 30)], check: Some(checkdigit::mod10_31) },
    Rule { pattern: r"^96\d{20}$", carriers: &[("fedex", 85)], check: Some(checkdigit::mod10_31) },
    Rule { pattern: r"^\d{12}$", carriers: &[("fedex", 60), ("japan-post", 40), ("taqbin-jp", 38), ("sagawa", 36)], check: Some(checkdigit::fedex12) },
    Rule { pattern: r"^\d{12}$", carriers: &[("japan-post", 12), ("taqbin-jp", 12), ("sagawa", 12)], check: Some(checkdigit::mod7) },
    Rule { pattern: r"^[0-5]\d{11}$", carriers: &[("purolator", 35)], check: Some(checkdigit::luhn) },
    Rule { pattern: r"^\d{15}$", carriers: &[("fedex", 55)], check: Some(checkdigit::mod10_31) },
    Rule { pattern: r"^\d{34}$", carriers: &[("fedex", 75)], check: None },
    Rule { pattern: r"^\d{10}$", carriers: &[("dhl", 60)], check: Some(checkdigit::mod7) },
    Rule { pattern: r"^(JJD|JVGL)\d{9,10}$", carriers: &[("dhl", 85)], check: None },
    Rule { pattern: r"^\d{11}$", carriers: &[("dhl", 35)], check: Some(checkdigit::mod7) },
    Rule { pattern: r"^\d{11}$", carriers: &[("old-dominion", 30)], check: Some(checkdigit::luhn) },
    Rule { pattern: r"^GM\d{16,20}$", carriers: &[("dhlglobalmail", 85)], check: None },
    Rule { pattern: r"^\d{16}$", carriers: &[("canada-post", 60)], check: Some(checkdigit::mod10_31) },
    Rule { pattern: r"^\d{16}$|^MH\d{16}$|^\d{8}$", carriers: &[("hermes-uk", 45)], check: None },
    Rule { pattern: r"^[A-Z]{3}\d{9}$", carriers: &[("purolator", 60)], check: None },
    Rule { pattern: r"^[CDKLSUXZ]\d{21}$", carriers: &[("canpar", 75)], check: None },
    Rule { pattern: r"^[CD]\d{14}$", carriers: &[("ontrac", 75)], check: None },
    Rule { pattern: r"^L[AIEHNX][1-3]\d{7}$|^1LS7[12]\d{10,11}$|^1LSCX[A-Z0-9]{10}$", carriers: &[("lasership", 85)], check: None },
    Rule { pattern: r"^TB[ACM]\d{12}$", carriers: &[("amazon", 90)], check: None },
    Rule { pattern: r"^LTN\d{8}N1$", carriers: &[("landmark-global", 90)], check: None },
    Rule { pattern: r"^SP\d{18}$", carriers: &[("speedee", 85)], check: None },
    Rule { pattern: r"^(JJD|JD)\d{16}$", carriers: &[("yodel", 85)], check: None },
    Rule { pattern: r"^\d{14}$", carriers: &[("dpd", 45)], check: None },
    // DPD: parcel number 14 digits + an ISO 7064 check character, and the label
    // barcode: destination postcode (7) + parcel number (14) + service (3) +
    // country (3) + check character. Country prefixes of the parcel number point
    // to the national DPD.
    Rule { pattern: r"^\d{14}[0-9A-Z]$|^[0-9A-Z]{7}\d{20}[0-9A-Z]$", carriers: &[("dpd", 70)], check: Some(checkdigit::mod37_36) },
    Rule { pattern: r"^(02|05|09)\d{12}[0-9A-Z]$", carriers: &[("dpd-de", 60)], check: Some(checkdigit::mod37_36) },
    Rule { pattern: r"^(03|06|15|16)\d{12}[0-9A-Z]$", carriers: &[("dpd-uk", 60)], check: Some(checkdigit::mod37_36) },
    Rule { pattern: r"^7[3-68]\d{12}$", carriers: &[("zto", 60)], check: None },
    Rule { pattern: r"^YT\d{16}$", carriers: &[("yunexpress", 90)], check: None },
    Rule { pattern: r"^YT\d{13}$", carriers: &[("yto", 90)], check: None },
    Rule { pattern: r"^SF[A-Z0-9]\d{12}$", carriers: &[("sf-express", 90), ("sfb2c", 60)], check: None },
    Rule { pattern: r"^JT\d{13}$", carriers: &[("jtexpress", 90)], check: None },
    Rule { pattern: r"^JD[A-Z0-9]{2}\d{11}$", carriers: &[("jd", 85), ("jd-logistics", 50)], check: None },
    Rule { pattern: r"^DPK\d{12}$", carriers: &[("deppon", 90)], check: None },
    Rule { pattern: r"^(77|43)\d{10,13}$", carriers: &[("sto", 85)], check: None },
    Rule { pattern: r"^[34]\d{14}$|^5\d{12}$", carriers: &[("yunda", 60)], check: None },
    Rule { pattern: r"^621\d{12}$", carriers: &[("cainiao", 85)], check: None },
    Rule { pattern: r"^[189]\d{12}$|^P[A-Z]\d{11}$", carriers: &[("china-post", 50)], check: None },
];

static COMPILED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    RULES
        .iter()
        .map(|r| Regex::new(r.pattern).expect("detection patterns are valid"))
        .collect()
});

static S10: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Z])([A-Z])\d{9}([A-Z]{2})$").expect("valid"));

/// A carrier that fits a number, with how well it fits.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    /// The carrier.
    pub carrier: &'a Carrier,
    /// Higher is better; only the order means anything.
    pub score: i32,
}

fn is_ems(code: &str) -> bool {
    code.ends_with("-ems")
        || matches!(
            code,
            "chronopost" | "speed-post" | "poslaju" | "singapore-speedpost"
        )
}

/// Candidates for a UPU S10 number: the origin country's postal operators.
fn s10_candidates(carriers: &Carriers, number: &str, out: &mut HashMap<String, i32>) {
    let Some(caps) = S10.captures(number) else {
        return;
    };
    let kind = &caps[1];
    let country = &caps[3];
    let bonus = if checkdigit::s10(number) {
        CHECK_PASS
    } else {
        CHECK_FAIL
    };
    let Some(ops) = carriers.postal(country) else {
        if carriers.resolve("upu").is_some() {
            out.insert("upu".into(), 20 + bonus);
        }
        return;
    };
    // EMS items (E…), and China's ePacket (L…, which TrackingMore files under china-ems),
    // go to the EMS operator first where a country has one.
    let wants_ems = kind == "E" || (kind == "L" && country == "CN");
    for (i, code) in ops.primary.iter().enumerate() {
        let mut score = 90 - 5 * i as i32;
        if is_ems(code) {
            score = if wants_ems { 95 } else { 80 };
        }
        out.insert(code.clone(), score + bonus);
    }
    for code in &ops.secondary {
        // Parcelforce carries the UK's C… parcels and E… EMS items.
        let score = if code == "parcel-force" && matches!(kind, "C" | "E") {
            96
        } else if is_ems(code) && wants_ems {
            92
        } else {
            70
        };
        out.insert(code.clone(), score + bonus);
    }
}

/// Every plausible carrier for `number`, best first. Empty when nothing fits.
pub fn detect<'a>(carriers: &'a Carriers, number: &str) -> Vec<Candidate<'a>> {
    let raw = number.trim().to_ascii_uppercase();
    let mut scores: HashMap<String, i32> = HashMap::new();
    if raw.starts_with("SANDBOX-") {
        scores.insert("sandbox".into(), 1000);
    }
    let n: String = raw.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    s10_candidates(carriers, &n, &mut scores);
    for (rule, re) in RULES.iter().zip(COMPILED.iter()) {
        if !re.is_match(&n) {
            continue;
        }
        let bonus = match rule.check {
            Some(check) if check(&n) => CHECK_PASS,
            Some(_) => CHECK_FAIL,
            None => 0,
        };
        for (code, base) in rule.carriers {
            let score = base + bonus;
            let entry = scores.entry((*code).to_string()).or_insert(score);
            *entry = (*entry).max(score);
        }
    }
    let mut out: Vec<Candidate<'a>> = scores
        .into_iter()
        .filter_map(|(code, score)| {
            carriers
                .resolve(&code)
                .map(|carrier| Candidate { carrier, score })
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.carrier.code.cmp(&b.carrier.code))
    });
    out
}

#[cfg(test)]
#[path = "detect_tests.rs"]
mod tests;
