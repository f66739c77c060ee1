//! Carrier names as shop platforms send them (Shopify's `tracking_company`,
//! WooCommerce's provider slugs), mapped to our carrier codes from
//! `tables/carrier-names.tsv`; case, spaces and punctuation do not matter.

use std::collections::HashMap;

const TABLE: &str = include_str!("../../../tables/carrier-names.tsv");

/// The name → code table.
#[derive(Debug, Clone)]
pub struct CarrierNames(HashMap<String, String>);

/// A name as compared: lower-case letters and digits only.
fn fold(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl CarrierNames {
    /// The shipped table.
    pub fn builtin() -> CarrierNames {
        CarrierNames::parse(TABLE).expect("the shipped carrier-names table parses")
    }

    /// `name<TAB>code` lines; `#` comments and blank lines skipped.
    pub fn parse(text: &str) -> Result<CarrierNames, String> {
        let mut map = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, code) = line
                .split_once('\t')
                .ok_or_else(|| format!("line {}: expected name<TAB>code", i + 1))?;
            map.insert(fold(name), code.trim().to_string());
        }
        Ok(CarrierNames(map))
    }

    /// Our code for a platform's carrier name, if the table has it.
    pub fn code(&self, name: &str) -> Option<&str> {
        self.0.get(&fold(name)).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::carriers::Carriers;

    #[test]
    fn names_match_whatever_their_case_and_punctuation() {
        let n = CarrierNames::builtin();
        assert_eq!(n.code("DHL Express"), Some("dhl"));
        assert_eq!(n.code("dhl-express"), Some("dhl"));
        assert_eq!(n.code("CANADA_POST"), Some("canada-post"));
        assert_eq!(n.code("Pigeon Post"), None);
    }

    #[test]
    fn every_code_of_the_shipped_table_is_a_known_carrier() {
        let carriers = Carriers::builtin();
        for code in CarrierNames::builtin().0.values() {
            assert!(
                carriers.resolve(code).is_some(),
                "{code} is not in tables/carriers.tsv"
            );
        }
    }
}
