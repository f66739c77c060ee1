//! `trackgate render`: one message or page as the gateway would make it, from the
//! sample parcel that has just reached the status, or from a TrackingMore tracking
//! object in a file, with the configured shop.

use super::context::ShopView;
use super::sample::{self, Sample, NOTIFICATION_ID};
use super::templates::Templates;
use crate::config::Config;
use crate::core::apply::apply;
use crate::core::model::{Parcel, Tracking, TrackingFields};
use crate::core::rules::Topic;
use crate::core::status::Status;
use crate::core::{time, tmwire};
use serde_json::Value;
use std::path::Path;

/// What to preview.
pub struct Preview<'a> {
    /// `email`, `slack`, `webhook` or `page`.
    pub channel: &'a str,
    /// The status the parcel has just reached.
    pub status: &'a str,
    pub lang: Option<&'a str>,
    /// A TrackingMore tracking object (or an answer whose `data` is one).
    pub tracking: Option<&'a Path>,
}

/// The message or page as text; an error names the argument at fault.
pub fn render(cfg: &Config, p: &Preview<'_>) -> Result<String, String> {
    let topic = Topic::parse(p.status).ok_or_else(|| {
        format!(
            "--status {:?} is neither a status nor an alert (stalled, edd_missed, edd_revised)",
            p.status
        )
    })?;
    let mut sample = match (p.tracking, topic) {
        (None, _) => Sample::of(topic),
        (Some(path), Topic::Status(status)) => from_file(path, status)?,
        (Some(_), Topic::Alert(_)) => {
            return Err("--tracking previews status changes; leave it out for an alert".into())
        }
    };
    // The configured shop, when there is one, rather than the sample's.
    if let Some(a) = cfg.accounts.first() {
        let name = a.name.as_deref().unwrap_or(&sample.shop.name).to_string();
        sample.shop = ShopView::new(Some(&name), a.logo_url.as_deref(), a.timezone.as_deref());
    }
    let ctx = sample.context_at(&cfg.public_url);
    let templates = Templates::new(&cfg.templates_dir);
    match p.channel {
        "email" => {
            let e = templates
                .email(topic, p.lang, &ctx)
                .map_err(|e| e.to_string())?;
            Ok(format!(
                "Subject: {}\n\n--- text/plain ---\n{}\n--- text/html ---\n{}",
                e.subject, e.text, e.html
            ))
        }
        "slack" => {
            let m = templates
                .slack(topic, p.lang, &ctx)
                .map_err(|e| e.to_string())?;
            let out = serde_json::json!({"text": m.text, "blocks": m.blocks});
            Ok(serde_json::to_string_pretty(&out).unwrap_or_default())
        }
        "webhook" => {
            let body = super::webhook::body(
                ctx.tracking,
                ctx.transition,
                NOTIFICATION_ID,
                "whsec_preview",
                &ctx.link,
                time::now(),
            );
            Ok(serde_json::to_string_pretty(&body).unwrap_or_default())
        }
        "page" => {
            let lang = templates.language("page", p.lang);
            templates
                .tracking_page(&lang, &sample.page(&lang))
                .map_err(|e| e.to_string())
        }
        other => Err(format!(
            "--channel {other:?} is not email, slack, webhook or page"
        )),
    }
}

/// A sample made from a tracking object in a file: its number, carrier, scans and
/// order fields, having just reached `status`.
fn from_file(path: &Path, status: Status) -> Result<Sample, String> {
    let bad = |e: &dyn std::fmt::Display| format!("--tracking {}: {e}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| bad(&e))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| bad(&format!("not JSON: {e}")))?;
    let v = v.get("data").cloned().unwrap_or(v);
    let (carrier, number) = tmwire::identity(&v).map_err(|e| bad(&e))?;
    let update = tmwire::update(&v, "preview").map_err(|e| bad(&e))?;
    let now = time::now();
    let mut parcel = apply(&Parcel::new(&carrier, &number, now), &update, now).next;
    parcel.status = status;
    let text_of = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    let id = text_of("id").unwrap_or_else(|| "0".repeat(32));
    let tracking = Tracking {
        fields: TrackingFields {
            title: text_of("title"),
            order_id: text_of("order_id"),
            customer_name: text_of("customer_name"),
            customer_email: text_of("customer_email"),
            order_create_time: text_of("order_create_time"),
            lang: text_of("lang"),
            ..TrackingFields::default()
        },
        ..sample::tracking(&id, &parcel, now)
    };
    let mut s = Sample::new(tracking, parcel, Status::Transit, now);
    s.shop = ShopView::default();
    Ok(s)
}
