//! Check-digit algorithms of tracking-number formats.
//!
//! Each function takes the whole number (already normalised: upper case, no spaces)
//! and answers whether its check digit holds. They never decide whether a number is
//! accepted — only how a detection candidate ranks. Sources are listed in
//! `shared/data/carriers-reference.md` §4.

fn digits(s: &str) -> Option<Vec<u32>> {
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// UPU S10: 2 letters, 8-digit serial, check digit, 2-letter country.
/// Weights 8,6,4,2,3,5,9,7; c = 11 − (sum mod 11); 10 → 0, 11 → 5.
pub fn s10(number: &str) -> bool {
    let b = number.as_bytes();
    if b.len() != 13 {
        return false;
    }
    let Some(d) = digits(&number[2..11]) else {
        return false;
    };
    const W: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = d[..8].iter().zip(W).map(|(x, w)| x * w).sum();
    let c = match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    };
    c == d[8]
}

/// Mod 10 with weights 3,1 starting from the rightmost body digit
/// (USPS IMpb, FedEx Ground 15/22 digits, Canada Post 16 digits).
pub fn mod10_31(number: &str) -> bool {
    let Some(d) = digits(number) else {
        return false;
    };
    let Some((check, body)) = d.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, x)| if i % 2 == 0 { x * 3 } else { *x })
        .sum();
    (10 - sum % 10) % 10 == *check
}

/// UPS `1Z…`: over the 15 characters after `1Z`, letters as (ASCII − 3) mod 10,
/// every second character doubled; c = (10 − sum mod 10) mod 10.
pub fn ups(number: &str) -> bool {
    let b = number.as_bytes();
    if b.len() != 18 || !number.starts_with("1Z") {
        return false;
    }
    let mut sum = 0;
    for (i, c) in b[2..17].iter().enumerate() {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => (u32::from(*c) - 3) % 10,
            _ => return false,
        };
        sum += if i % 2 == 1 { v * 2 } else { v };
    }
    let Some(check) = char::from(b[17]).to_digit(10) else {
        return false;
    };
    (10 - sum % 10) % 10 == check
}

/// FedEx Express 12 digits: weights 3,1,7 over the first 11; (sum mod 11) mod 10.
pub fn fedex12(number: &str) -> bool {
    let Some(d) = digits(number) else {
        return false;
    };
    if d.len() != 12 {
        return false;
    }
    const W: [u32; 3] = [3, 1, 7];
    let sum: u32 = d[..11].iter().enumerate().map(|(i, x)| x * W[i % 3]).sum();
    sum % 11 % 10 == d[11]
}

/// First n−1 digits taken as a number, mod 7, equal the last digit
/// (DHL Express 10 digits, Japan Post / Yamato / Sagawa 12 digits, air waybill serials).
pub fn mod7(number: &str) -> bool {
    let Some(d) = digits(number) else {
        return false;
    };
    let Some((check, body)) = d.split_last() else {
        return false;
    };
    let rem = body
        .iter()
        .fold(0u64, |acc, x| (acc * 10 + u64::from(*x)) % 7);
    rem == u64::from(*check)
}

/// ISO 7064 MOD 37,36: the last character (0-9, A-Z) checks the others (DPD parcel
/// numbers, 14 digits + 1, and DPD's 28-character label barcode; DPD Parcel Label
/// Specification).
pub fn mod37_36(number: &str) -> bool {
    const M: u32 = 36;
    let value = |c: u8| match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    };
    let Some((check, body)) = number.as_bytes().split_last() else {
        return false;
    };
    let mut p = M;
    for c in body {
        let Some(v) = value(*c) else {
            return false;
        };
        let s = match (p + v) % M {
            0 => M,
            s => s,
        };
        p = s * 2 % (M + 1);
    }
    value(*check) == Some((M + 1 - p) % M)
}

/// Luhn (Purolator 12 digits, Old Dominion 11 digits).
pub fn luhn(number: &str) -> bool {
    let Some(d) = digits(number) else {
        return false;
    };
    if d.len() < 2 {
        return false;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, x)| {
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 {
                    y - 9
                } else {
                    y
                }
            } else {
                *x
            }
        })
        .sum();
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s10_accepts_the_seed_examples_and_rejects_a_changed_digit() {
        assert!(s10("RR050349575PH"));
        assert!(s10("RN210552627LT"));
        assert!(!s10("RR050349576PH"));
        assert!(!s10("RR05034957PH"));
    }

    #[test]
    fn ups_accepts_the_published_sample() {
        assert!(ups("1Z999AA10123456784"));
        assert!(!ups("1Z999AA10123456785"));
    }

    #[test]
    fn fedex_samples_validate() {
        assert!(fedex12("986578788855"));
        assert!(!fedex12("986578788856"));
        assert!(mod10_31("449044304137821"));
    }

    #[test]
    fn mod7_matches_air_waybill_and_dhl_rule() {
        assert!(mod7("28891936")); // serial of AWB 172-28891936
        assert!(!mod7("28891935"));
    }

    #[test]
    fn luhn_matches_known_values() {
        assert!(luhn("79927398713"));
        assert!(!luhn("79927398710"));
    }
}
