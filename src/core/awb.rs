//! Air waybill numbers: a 3-digit airline prefix and an 8-digit serial whose last
//! digit is the first seven modulo 7.

use super::checkdigit;
use std::collections::HashMap;

/// The shipped airline-prefix table.
pub const AIRLINES_TSV: &str = include_str!("../../tables/airlines.tsv");

/// One airline of the prefix table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Airline {
    /// IATA 3-digit prefix, e.g. `172`.
    pub prefix: String,
    /// IATA 2-character airline code.
    pub iata: String,
    /// Airline (cargo division) name.
    pub name: String,
    /// Home country, ISO2.
    pub country: String,
}

/// Airline prefixes by number.
#[derive(Debug, Clone, Default)]
pub struct Airlines(HashMap<String, Airline>);

impl Airlines {
    /// Parses the tab-separated table; names the first bad line.
    pub fn parse(text: &str) -> Result<Airlines, String> {
        let mut map = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').map(str::trim).collect();
            let [prefix, iata, name, country] = f[..] else {
                return Err(format!("line {}: expected 4 tab-separated columns", i + 1));
            };
            if prefix.len() != 3 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("line {}: prefix {prefix:?} is not 3 digits", i + 1));
            }
            map.insert(
                prefix.to_string(),
                Airline {
                    prefix: prefix.into(),
                    iata: iata.into(),
                    name: name.into(),
                    country: country.into(),
                },
            );
        }
        Ok(Airlines(map))
    }

    /// The airline of a prefix.
    pub fn get(&self, prefix: &str) -> Option<&Airline> {
        self.0.get(prefix)
    }
}

/// A checked air waybill number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AirWaybill {
    /// Airline prefix.
    pub prefix: String,
    /// 8-digit serial, check digit included.
    pub serial: String,
}

/// Why a string is not an air waybill.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwbError {
    /// Wrong length or characters.
    #[error("air waybill {0:?} must be a 3-digit airline prefix and 8 digits, e.g. 172-28891936")]
    Format(String),
    /// The mod-7 check digit does not hold.
    #[error("air waybill {0:?} has a wrong check digit: the last digit must be the first seven digits of the serial modulo 7")]
    CheckDigit(String),
}

impl AirWaybill {
    /// Parses `172-28891936`, `172 28891936` or `17228891936`.
    pub fn parse(raw: &str) -> Result<AirWaybill, AwbError> {
        let digits: String = raw.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
        if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AwbError::Format(raw.to_string()));
        }
        let (prefix, serial) = digits.split_at(3);
        if !checkdigit::mod7(serial) {
            return Err(AwbError::CheckDigit(raw.to_string()));
        }
        Ok(AirWaybill {
            prefix: prefix.into(),
            serial: serial.into(),
        })
    }

    /// The canonical `PPP-SSSSSSSS` form.
    pub fn display(&self) -> String {
        format!("{}-{}", self.prefix, self.serial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trackingmore_example_waybill_is_valid_and_names_cargolux() {
        let awb = AirWaybill::parse("172-28891936").unwrap();
        assert_eq!(awb.display(), "172-28891936");
        let airlines = Airlines::parse(AIRLINES_TSV).unwrap();
        assert_eq!(airlines.get(&awb.prefix).unwrap().name, "Cargolux");
    }

    #[test]
    fn a_wrong_check_digit_or_shape_is_refused() {
        assert!(matches!(
            AirWaybill::parse("172-28891935"),
            Err(AwbError::CheckDigit(_))
        ));
        assert!(matches!(
            AirWaybill::parse("17-28891936"),
            Err(AwbError::Format(_))
        ));
        assert!(matches!(
            AirWaybill::parse("ABC-28891936"),
            Err(AwbError::Format(_))
        ));
    }
}
