//! An account's connected stores, as stored: which Shopify and WooCommerce stores
//! register its trackings, with their secrets. Set from the config at start (when
//! the config names them) or through `PUT /v2/connect/settings`.

use serde::{Deserialize, Serialize};

/// An account's connectors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectSettings {
    /// Its Shopify store.
    #[serde(default)]
    pub shopify: Option<ShopifyStore>,
    /// Its WooCommerce store.
    #[serde(default)]
    pub woocommerce: Option<WooStore>,
}

/// A Shopify store and the secrets its deliveries may be signed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopifyStore {
    /// `*.myshopify.com`, as [`domain_key`] writes it.
    pub shop_domain: String,
    /// Every secret accepted (several during a rotation).
    pub secrets: Vec<String>,
}

/// A WooCommerce store and its webhook secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WooStore {
    /// The store's home URL, as [`domain_key`] writes it.
    pub store_url: String,
    /// The webhook secret, as typed in WooCommerce.
    pub secret: String,
}

impl ConnectSettings {
    /// Whether any store is connected.
    pub fn is_empty(&self) -> bool {
        self.shopify.is_none() && self.woocommerce.is_none()
    }
}

/// A store's address as compared: lower case, no scheme, no trailing slash.
pub fn domain_key(d: &str) -> String {
    let d = d.trim().to_ascii_lowercase();
    let d = d
        .strip_prefix("https://")
        .or_else(|| d.strip_prefix("http://"))
        .unwrap_or(&d);
    d.trim_end_matches('/').to_string()
}

/// What is wrong with `s`, naming the field under `at` (e.g. `connect.`).
pub fn problems(s: &ConnectSettings, at: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if let Some(shop) = &s.shopify {
        let d = domain_key(&shop.shop_domain);
        if d.is_empty() || d.contains('/') || d.contains(char::is_whitespace) {
            errs.push(format!(
                "{at}shopify.shop_domain: {:?} is not a store domain (e.g. my-shop.myshopify.com)",
                shop.shop_domain
            ));
        }
        if shop.secrets.iter().all(|x| x.trim().is_empty()) {
            errs.push(format!("{at}shopify: secret (or secrets) is required"));
        }
    }
    if let Some(w) = &s.woocommerce {
        let url = w.store_url.trim();
        let parsed = url.parse::<axum::http::Uri>();
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || parsed.map_or(true, |u| u.host().is_none())
        {
            errs.push(format!(
                "{at}woocommerce.store_url: {:?} is not a URL (e.g. https://shop.example/)",
                w.store_url
            ));
        }
        if w.secret.trim().is_empty() {
            errs.push(format!("{at}woocommerce.secret: must not be empty"));
        }
    }
    errs
}
