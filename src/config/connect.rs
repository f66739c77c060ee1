//! Shop connectors of an account: the platforms whose order webhooks register its
//! trackings (`accounts[].connect`).

use super::values::Secret;
use serde::Deserialize;

/// An account's connectors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectConfig {
    /// `POST /connect/shopify`.
    pub shopify: Option<ShopifyConnect>,
    /// `POST /connect/woocommerce`.
    pub woocommerce: Option<WooConnect>,
}

/// A Shopify store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopifyConnect {
    /// The store's `*.myshopify.com` domain, as `X-Shopify-Shop-Domain` names it.
    pub shop_domain: String,
    /// The webhook signing secret (Settings > Notifications > Webhooks, or the
    /// app's client secret).
    #[serde(default)]
    pub secret: Option<Secret>,
    /// Several secrets, every one accepted: for a rotation (Shopify takes up to an
    /// hour to sign with the new one).
    #[serde(default)]
    pub secrets: Vec<Secret>,
}

impl ShopifyConnect {
    /// Every secret a delivery may be signed with.
    pub fn all_secrets(&self) -> Vec<&str> {
        self.secret
            .iter()
            .chain(&self.secrets)
            .map(Secret::expose)
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// The domain as compared: lower case, no scheme, no trailing slash.
    pub fn domain_key(&self) -> String {
        domain_key(&self.shop_domain)
    }
}

pub use crate::core::connect::settings::domain_key;

/// A WooCommerce store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WooConnect {
    /// The store's address, as `X-WC-Webhook-Source` names it (its `home_url`).
    pub store_url: String,
    /// The secret entered in WooCommerce > Settings > Advanced > Webhooks.
    pub secret: Secret,
}

impl WooConnect {
    /// The store's address as compared (see [`domain_key`]; the path is kept).
    pub fn source_key(&self) -> String {
        domain_key(&self.store_url)
    }
}

impl ConnectConfig {
    /// The stored form of this block.
    pub fn to_settings(&self) -> crate::core::connect::settings::ConnectSettings {
        use crate::core::connect::settings::{ConnectSettings, ShopifyStore, WooStore};
        ConnectSettings {
            shopify: self.shopify.as_ref().map(|s| ShopifyStore {
                shop_domain: s.domain_key(),
                secrets: s.all_secrets().into_iter().map(String::from).collect(),
            }),
            woocommerce: self.woocommerce.as_ref().map(|w| WooStore {
                store_url: w.store_url.trim().to_string(),
                secret: w.secret.expose().to_string(),
            }),
        }
    }

    /// Whether the config names any connector (it then decides them at every start).
    pub fn is_set(&self) -> bool {
        self.shopify.is_some() || self.woocommerce.is_some()
    }
}

/// What is wrong with the accounts' connectors: empty domains or secrets, and a
/// store connected to two accounts.
pub(super) fn check(accounts: &[super::AccountConfig]) -> Vec<String> {
    let mut errs = Vec::new();
    let mut shops = std::collections::HashMap::new();
    let mut woos = std::collections::HashMap::new();
    for (i, a) in accounts.iter().enumerate() {
        let at = format!("accounts[{i}].connect");
        let settings = a.connect.to_settings();
        errs.extend(crate::core::connect::settings::problems(
            &settings,
            &format!("{at}."),
        ));
        if let Some(s) = &settings.shopify {
            if let Some(other) = shops.insert(s.shop_domain.clone(), i) {
                errs.push(format!(
                    "{at}.shopify.shop_domain: also accounts[{other}]'s; a store belongs to one account"
                ));
            }
        }
        if let Some(w) = &settings.woocommerce {
            if let Some(other) = woos.insert(domain_key(&w.store_url), i) {
                errs.push(format!(
                    "{at}.woocommerce.store_url: also accounts[{other}]'s; a store belongs to one account"
                ));
            }
        }
    }
    errs
}

impl super::Config {
    /// One line per connector: what it will accept, where. Never a secret.
    pub fn connector_lines(&self) -> Vec<String> {
        use crate::core::connect::{shopify, woocommerce};
        let base = self.public_url.trim_end_matches('/');
        let mut out = Vec::new();
        for a in &self.accounts {
            if let Some(s) = &a.connect.shopify {
                out.push(format!(
                    "account {}: Shopify store {} posting to {base}/connect/shopify, signed with any of {} secret(s), topics {}",
                    a.email,
                    s.domain_key(),
                    s.all_secrets().len(),
                    shopify::TOPICS.join(", ")
                ));
            }
            if let Some(w) = &a.connect.woocommerce {
                out.push(format!(
                    "account {}: WooCommerce store {} posting to {base}/connect/woocommerce, topics {}",
                    a.email,
                    w.source_key(),
                    woocommerce::TOPICS.join(", ")
                ));
            }
        }
        out
    }
}
