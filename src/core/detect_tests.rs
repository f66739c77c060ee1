//! Detection tests: real-format numbers must rank their carrier first.

use super::*;
use crate::core::checkdigit;

/// A small deterministic generator, so the corpus is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + (self.next() % 10) as u8))
            .collect()
    }
    fn letter(&mut self) -> char {
        char::from(b'A' + (self.next() % 26) as u8)
    }
}

/// Appends the digit that makes `check` pass.
fn with_check(body: &str, check: fn(&str) -> bool) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|n| check(n))
        .expect("some digit passes")
}

fn s10(rng: &mut Lcg, kind: char, country: &str) -> String {
    let serial = rng.digits(8);
    let body = format!("{kind}{}{serial}", rng.letter());
    (0..10)
        .map(|d| format!("{body}{d}{country}"))
        .find(|n| checkdigit::s10(n))
        .unwrap()
}

fn corpus() -> Vec<(String, String)> {
    let carriers = Carriers::builtin();
    let mut rng = Lcg(7);
    let mut out: Vec<(String, String)> = Vec::new();
    let mut countries: Vec<_> = [
        "CN", "GB", "US", "DE", "FR", "JP", "RU", "BR", "AU", "CA", "NL", "ES", "IT", "SE", "CH",
        "IN", "KR", "HK", "SG", "LT", "PH",
    ]
    .to_vec();
    countries.sort();
    for cc in countries {
        let ops = carriers.postal(cc).unwrap();
        let letter_post = ops
            .primary
            .iter()
            .find(|c| !is_ems(c))
            .unwrap_or(&ops.primary[0]);
        for _ in 0..3 {
            out.push((s10(&mut rng, 'R', cc), letter_post.clone()));
        }
    }
    for _ in 0..3 {
        out.push((s10(&mut rng, 'E', "CN"), "china-ems".into()));
        out.push((s10(&mut rng, 'C', "GB"), "parcel-force".into()));
    }
    for _ in 0..10 {
        let ups_body = format!("1Z{}{}{}", rng.digits(3), "AA", rng.digits(10));
        out.push((with_check(&ups_body, checkdigit::ups), "ups".into()));
        out.push((
            with_check(&format!("9400{}", rng.digits(17)), checkdigit::mod10_31),
            "usps".into(),
        ));
        out.push((
            with_check(&format!("9205{}", rng.digits(17)), checkdigit::mod10_31),
            "usps".into(),
        ));
        out.push((
            with_check(
                &format!("420{}9400{}", rng.digits(5), rng.digits(17)),
                usps_routed,
            ),
            "usps".into(),
        ));
        out.push((
            with_check(&rng.digits(11), checkdigit::fedex12),
            "fedex".into(),
        ));
        out.push((
            with_check(&format!("96{}", rng.digits(19)), checkdigit::mod10_31),
            "fedex".into(),
        ));
        out.push((with_check(&rng.digits(9), checkdigit::mod7), "dhl".into()));
        out.push((format!("JJD{}", rng.digits(10)), "dhl".into()));
        out.push((
            with_check(&rng.digits(15), checkdigit::mod10_31),
            "canada-post".into(),
        ));
        out.push((format!("TBA{}", rng.digits(12)), "amazon".into()));
        out.push((format!("YT{}", rng.digits(16)), "yunexpress".into()));
        out.push((format!("YT{}", rng.digits(13)), "yto".into()));
        out.push((format!("SF{}", rng.digits(13)), "sf-express".into()));
        out.push((format!("JT{}", rng.digits(13)), "jtexpress".into()));
        out.push((format!("JDVA{}", rng.digits(11)), "jd".into()));
        out.push((format!("DPK{}", rng.digits(12)), "deppon".into()));
        out.push((format!("75{}", rng.digits(12)), "zto".into()));
        out.push((format!("JD{}", rng.digits(16)), "yodel".into()));
        out.push((format!("LTN{}N1", rng.digits(8)), "landmark-global".into()));
        out.push((format!("SP{}", rng.digits(18)), "speedee".into()));
        out.push((format!("LX2{}", rng.digits(7)), "lasership".into()));
        out.push((format!("C{}", rng.digits(14)), "ontrac".into()));
        out.push((format!("D{}", rng.digits(21)), "canpar".into()));
        out.push((format!("GM{}", rng.digits(18)), "dhlglobalmail".into()));
        out.push((format!("621{}", rng.digits(12)), "cainiao".into()));
        out.push((format!("773{}", rng.digits(12)), "sto".into()));
    }
    out
}

#[test]
fn real_format_numbers_rank_their_carrier_first_at_least_95_percent_of_the_time() {
    let carriers = Carriers::builtin();
    let corpus = corpus();
    let mut misses = Vec::new();
    for (number, expected) in &corpus {
        let found = detect(&carriers, number);
        if found.first().map(|c| c.carrier.code.as_str()) != Some(expected.as_str()) {
            misses.push(format!(
                "{number}: want {expected}, got {:?}",
                found.iter().map(|c| &c.carrier.code).collect::<Vec<_>>()
            ));
        }
    }
    let hit_rate = 1.0 - misses.len() as f64 / corpus.len() as f64;
    println!(
        "detection: right carrier first for {}/{} numbers ({:.1}%)",
        corpus.len() - misses.len(),
        corpus.len(),
        hit_rate * 100.0
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(
        hit_rate >= 0.95,
        "hit rate {hit_rate:.3} over {} numbers; misses:\n{}",
        corpus.len(),
        misses.join("\n")
    );
}

#[test]
fn a_passing_check_digit_outranks_a_failing_one() {
    let carriers = Carriers::builtin();
    let good = detect(&carriers, "RR050349575PH");
    let bad = detect(&carriers, "RR050349576PH");
    assert_eq!(good[0].carrier.code, "phlpost");
    assert_eq!(
        bad[0].carrier.code, "phlpost",
        "a bad check digit still detects"
    );
    assert!(good[0].score > bad[0].score);
}

#[test]
fn trackingmore_doc_examples_detect_as_documented() {
    let carriers = Carriers::builtin();
    assert_eq!(
        detect(&carriers, "EA152563251CN")[0].carrier.code,
        "china-ems"
    );
    assert_eq!(
        detect(&carriers, "RA018458445JP")[0].carrier.code,
        "japan-post"
    );
    assert_eq!(
        detect(&carriers, "LK664578623CN")[0].carrier.code,
        "china-ems"
    );
    assert_eq!(
        detect(&carriers, "1Z999AA10123456784")[0].carrier.code,
        "ups"
    );
    assert_eq!(
        detect(&carriers, "9400111899562537624326")[0].carrier.code,
        "usps"
    );
    assert_eq!(
        detect(&carriers, "SANDBOX-DELIVERED-1")[0].carrier.code,
        "sandbox"
    );
}

#[test]
fn nothing_fits_gibberish() {
    let carriers = Carriers::builtin();
    assert!(detect(&carriers, "HELLO").is_empty());
}

#[test]
fn dpd_numbers_in_both_published_forms_find_dpd() {
    let carriers = Carriers::builtin();
    // Examples from DPD's Parcel Label Specification.
    for n in [
        "09980000020034D",
        "09980000020033F",
        "008182709980000020033350276C",
        "008182709980000020045327276N",
    ] {
        let found: Vec<&str> = detect(&carriers, n)
            .iter()
            .map(|c| c.carrier.code.as_str())
            .collect();
        assert!(found.contains(&"dpd"), "{n}: {found:?}");
    }
    let de: Vec<String> = detect(&carriers, "09980000020034D")
        .iter()
        .map(|c| c.carrier.code.clone())
        .collect();
    assert_eq!(&de[..2], ["dpd", "dpd-de"], "{de:?}");
    assert!(checkdigit::mod37_36("09980000020034D"));
    assert!(!checkdigit::mod37_36("09980000020034E"));
    assert!(checkdigit::mod37_36("008182709980000020033350276C"));
}
