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

/// `X-Shopify-Shop-Domain` or a configured domain, as compared.
pub fn domain_key(d: &str) -> String {
    let d = d.trim().to_ascii_lowercase();
    let d = d
        .strip_prefix("https://")
        .or_else(|| d.strip_prefix("http://"))
        .unwrap_or(&d);
    d.trim_end_matches('/').to_string()
}

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

/// What is wrong with the accounts' connectors: empty domains or secrets, and a
/// store connected to two accounts.
pub(super) fn check(accounts: &[super::AccountConfig]) -> Vec<String> {
    let mut errs = Vec::new();
    let mut shops = std::collections::HashMap::new();
    let mut woos = std::collections::HashMap::new();
    for (i, a) in accounts.iter().enumerate() {
        let at = format!("accounts[{i}].connect");
        if let Some(s) = &a.connect.shopify {
            let d = s.domain_key();
            if d.is_empty() || d.contains('/') {
                errs.push(format!(
                    "{at}.shopify.shop_domain: {:?} is not a store domain (e.g. my-shop.myshopify.com)",
                    s.shop_domain
                ));
            }
            if s.all_secrets().is_empty() {
                errs.push(format!("{at}.shopify: secret (or secrets) is required"));
            }
            if let Some(other) = shops.insert(d, i) {
                errs.push(format!(
                    "{at}.shopify.shop_domain: also accounts[{other}]'s; a store belongs to one account"
                ));
            }
        }
        if let Some(w) = &a.connect.woocommerce {
            if reqwest::Url::parse(w.store_url.trim()).is_err() {
                errs.push(format!(
                    "{at}.woocommerce.store_url: {:?} is not a URL (e.g. https://shop.example/)",
                    w.store_url
                ));
            }
            if w.secret.is_empty() {
                errs.push(format!("{at}.woocommerce.secret: must not be empty"));
            }
            if let Some(other) = woos.insert(w.source_key(), i) {
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
