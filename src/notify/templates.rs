//! Notification templates: files in `templates_dir`, rendered with minijinja in
//! strict mode (a missing variable is an error, never an empty string).
//!
//! Layout: `<channel>/[<lang>/]<status or "default">/<part>`. A part is looked up
//! as `email/de/delivered/subject.txt`, then `email/de/default/subject.txt`, then
//! `email/delivered/subject.txt`, then `email/default/subject.txt`. English lives at
//! the top level. Email parts: `subject.txt`, `body.txt`, `body.html` (which may
//! extend `email/layout.html`); Slack parts: `text.txt`, `blocks.json`.

use crate::core::rules::Channel;
use crate::core::status::Status;
use crate::core::time;
use minijinja::{Environment, UndefinedBehavior};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Why a template could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// No file for the part in any fallback.
    #[error("no template {0} (looked in {1})")]
    Missing(String, String),
    /// Syntax or rendering error (e.g. an undefined variable), with the file.
    #[error("template {0}: {1}")]
    Render(String, String),
    /// Slack blocks that are not a JSON array after rendering.
    #[error("template {0}: rendered blocks are not a JSON array: {1}")]
    Blocks(String, String),
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// One line.
    pub subject: String,
    /// text/plain part.
    pub text: String,
    /// text/html part.
    pub html: String,
}

/// A rendered Slack message.
#[derive(Debug, Clone, PartialEq)]
pub struct Slack {
    /// Fallback text (names the number and the status).
    pub text: String,
    /// Block Kit blocks.
    pub blocks: Value,
}

/// The templates of a directory.
pub struct Templates {
    dir: PathBuf,
    env: Environment<'static>,
}

/// Words for statuses in messages, in the message's language (German, else English).
pub fn status_label(s: Status, lang: Option<&str>) -> &'static str {
    let german = lang.is_some_and(|l| {
        let l = l.trim().to_ascii_lowercase();
        l == "de" || l.starts_with("de-")
    });
    if german {
        return match s {
            Status::Pending => "Registriert",
            Status::Notfound => "Warten auf Informationen des Versanddienstleisters",
            Status::Transit => "Unterwegs",
            Status::Pickup => "In Zustellung",
            Status::Delivered => "Zugestellt",
            Status::Undelivered => "Zustellversuch fehlgeschlagen",
            Status::Exception => "Problem bei der Zustellung",
            Status::Expired => "Keine neuen Informationen",
        };
    }
    match s {
        Status::Pending => "Registered",
        Status::Notfound => "Awaiting carrier information",
        Status::Transit => "In transit",
        Status::Pickup => "Out for delivery",
        Status::Delivered => "Delivered",
        Status::Undelivered => "Delivery attempt failed",
        Status::Exception => "Delivery problem",
        Status::Expired => "No recent updates",
    }
}

impl Templates {
    /// Templates under `dir` (read when first used, then cached).
    pub fn new(dir: &Path) -> Templates {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_loader(minijinja::path_loader(dir));
        Templates {
            dir: dir.to_path_buf(),
            env,
        }
    }

    fn candidates(channel: Channel, status: Status, lang: Option<&str>, part: &str) -> Vec<String> {
        let c = channel.as_str();
        let s = status.as_str();
        let mut out = Vec::new();
        if let Some(l) = lang
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| !l.is_empty() && l != "en")
        {
            let l: String = l
                .chars()
                .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-')
                .collect();
            out.push(format!("{c}/{l}/{s}/{part}"));
            out.push(format!("{c}/{l}/default/{part}"));
        }
        out.push(format!("{c}/{s}/{part}"));
        out.push(format!("{c}/default/{part}"));
        out
    }

    fn render_part(
        &self,
        channel: Channel,
        status: Status,
        lang: Option<&str>,
        part: &str,
        ctx: &Value,
    ) -> Result<String, TemplateError> {
        self.render_first(&Self::candidates(channel, status, lang, part), part, ctx)
    }

    /// Renders the first of `names` that exists; `part` names what was missing.
    fn render_first(
        &self,
        names: &[String],
        part: &str,
        ctx: &Value,
    ) -> Result<String, TemplateError> {
        for name in names {
            if !self.dir.join(name).is_file() {
                continue;
            }
            let t = self
                .env
                .get_template(name)
                .map_err(|e| TemplateError::Render(name.clone(), e.to_string()))?;
            return t
                .render(ctx)
                .map_err(|e| TemplateError::Render(name.clone(), e.to_string()));
        }
        Err(TemplateError::Missing(part.into(), names.join(", ")))
    }

    /// Renders an email.
    pub fn email(
        &self,
        status: Status,
        lang: Option<&str>,
        ctx: &Value,
    ) -> Result<Email, TemplateError> {
        let ctx = &localised(ctx, status, lang);
        let r = |part| self.render_part(Channel::Email, status, lang, part, ctx);
        Ok(Email {
            subject: r("subject.txt")?
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("")
                .to_string(),
            text: r("body.txt")?,
            html: r("body.html")?,
        })
    }

    /// Renders a Slack message; `blocks.json` is optional.
    pub fn slack(
        &self,
        status: Status,
        lang: Option<&str>,
        ctx: &Value,
    ) -> Result<Slack, TemplateError> {
        let escaped = slack_escape(&localised(ctx, status, lang));
        let ctx = &escaped;
        let text = self
            .render_part(Channel::Slack, status, lang, "text.txt", ctx)?
            .trim()
            .to_string();
        let blocks = match self.render_part(Channel::Slack, status, lang, "blocks.json", ctx) {
            Ok(raw) => serde_json::from_str::<Value>(&raw)
                .ok()
                .filter(Value::is_array)
                .ok_or_else(|| {
                    TemplateError::Blocks(
                        "slack/…/blocks.json".into(),
                        raw.chars().take(200).collect(),
                    )
                })?,
            Err(TemplateError::Missing(..)) => {
                json!([{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
            }
            Err(e) => return Err(e),
        };
        Ok(Slack { text, blocks })
    }

    /// Languages with their own folder for `channel` (`email`, `slack`, `page`).
    fn has_language(&self, channel: &str, lang: &str) -> bool {
        self.dir.join(channel).join(lang).is_dir()
    }

    /// The language a page or message is rendered in: `lang` (its primary subtag,
    /// e.g. `de` for `de-AT`) if the templates have it, else English.
    pub fn language(&self, channel: &str, lang: Option<&str>) -> String {
        let primary = lang
            .map(|l| l.trim().to_ascii_lowercase())
            .and_then(|l| l.split(['-', '_']).next().map(String::from))
            .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphabetic()));
        match primary {
            Some(l) if l != "en" && self.has_language(channel, &l) => l,
            _ => "en".into(),
        }
    }

    /// Renders a tracking page file (`index.html`, `not_found.html`) from
    /// `page/<lang>/` or `page/`.
    pub fn page(&self, file: &str, lang: &str, ctx: &Value) -> Result<String, TemplateError> {
        let names = [format!("page/{lang}/{file}"), format!("page/{file}")];
        self.render_first(&names, file, ctx)
    }

    /// Renders every template file with a sample context; one line per problem.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.dir.is_dir() {
            return vec![format!(
                "templates_dir {}: not a directory",
                self.dir.display()
            )];
        }
        let langs = self.languages();
        let ctx = sample_context();
        // The same broken file fails for many statuses: report each error once.
        let mut seen = std::collections::BTreeSet::new();
        for status in Status::ALL {
            for lang in std::iter::once(None).chain(langs.iter().map(|l| Some(l.as_str()))) {
                let results = [
                    self.email(status, lang, &ctx).err(),
                    self.slack(status, lang, &ctx).err(),
                ];
                for e in results.into_iter().flatten() {
                    if seen.insert(e.to_string()) {
                        problems.push(e.to_string());
                    }
                }
            }
        }
        let page = sample_page_context();
        for lang in std::iter::once("en").chain(langs.iter().map(String::as_str)) {
            for file in ["index.html", "not_found.html"] {
                if let Err(e) = self.page(file, lang, &page) {
                    if seen.insert(e.to_string()) {
                        problems.push(e.to_string());
                    }
                }
            }
        }
        problems
    }

    /// Language folders present (`email/de`, `slack/fr`, ...).
    fn languages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in ["email", "slack", "page"] {
            let Ok(rd) = std::fs::read_dir(self.dir.join(c)) else {
                continue;
            };
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let is_status = Status::parse(&name).is_some() || name == "default";
                if e.path().is_dir() && !is_status {
                    out.push(name);
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// The context with `status_label` in the message's language.
fn localised(ctx: &Value, status: Status, lang: Option<&str>) -> Value {
    let mut ctx = ctx.clone();
    ctx["status_label"] = json!(status_label(status, lang));
    ctx
}

/// Slack's control characters escaped in every string of `v`, as Slack documents
/// (`&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`): a carrier's event text or an order id
/// such as `<!channel>` or `<http://evil|click>` then shows as typed instead of
/// pinging a channel or making a link. Template text itself is not touched.
pub fn slack_escape(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        ),
        Value::Array(a) => Value::Array(a.iter().map(slack_escape).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), slack_escape(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The context every template sees: `tracking` (the TrackingMore tracking object),
/// `transition`, `event` (the newest scan, fields empty if none), `checkpoints`,
/// `order`, `status_label` (in the message's language), `carrier`, `shop` (`name`,
/// empty when the account has none), `link` (the customer's tracking page),
/// `carrier_link` (the carrier's own page for the number, if known),
/// `estimated_delivery` (`YYYY-MM-DD` or null), `public_url`, `notification_id`. Dates (`event.Date`, ...) are UTC.
pub fn context(
    tracking: &Value,
    transition: &Value,
    carrier: &Value,
    shop: &Value,
    public_url: &str,
    notification_id: &str,
) -> Value {
    let checkpoints = tracking["origin_info"]["trackinfo"].clone();
    let event = checkpoints.get(0).cloned().unwrap_or_else(
        || json!({"Date": "", "StatusDescription": "", "Details": "", "checkpoint_status": null}),
    );
    let to = Status::parse(transition["to"].as_str().unwrap_or("")).unwrap_or(Status::Pending);
    let carrier_link = carrier["track_url"]
        .as_str()
        .filter(|u| u.contains("******"))
        .map(|u| u.replace("******", tracking["tracking_number"].as_str().unwrap_or("")));
    // "Follow your parcel" is the customer's tracking page.
    let link = crate::core::links::tracking_page(public_url, tracking["id"].as_str().unwrap_or(""));
    json!({
        "tracking": tracking,
        "transition": transition,
        "event": event,
        "checkpoints": checkpoints,
        "order": {
            "id": tracking["order_id"], "title": tracking["title"],
            "customer_name": tracking["customer_name"], "created": tracking["order_create_time"],
        },
        "status_label": status_label(to, None),
        "shop": shop_json(shop),
        "carrier": {"code": carrier["code"], "name": carrier["name"], "phone": carrier["phone"]},
        "link": link,
        "carrier_link": carrier_link,
        "estimated_delivery": tracking["estimated_delivery"],
        "public_url": public_url,
        "notification_id": notification_id,
    })
}

/// A shop as templates see it: `name` and `logo_url`, empty strings when unset.
pub fn shop(name: Option<&str>, logo_url: Option<&str>) -> Value {
    json!({"name": name.unwrap_or(""), "logo_url": logo_url.unwrap_or("")})
}

fn shop_json(v: &Value) -> Value {
    shop(v["name"].as_str(), v["logo_url"].as_str())
}

/// What the tracking page shows: never the customer's email or name.
pub fn page_context(
    tracking: &Value,
    carrier: &Value,
    shop: &Value,
    lang: &str,
    updated: &str,
) -> Value {
    let status =
        Status::parse(tracking["status"].as_str().unwrap_or("")).unwrap_or(Status::Pending);
    let events: Vec<Value> = tracking["origin_info"]["trackinfo"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    let date = e["Date"].as_str().unwrap_or("");
                    json!({
                        "date": date,
                        "iso": date.replacen(' ', "T", 1) + ":00Z",
                        "description": e["StatusDescription"],
                        "location": e["Details"],
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let number = tracking["tracking_number"].as_str().unwrap_or("");
    let carrier_url = carrier["track_url"]
        .as_str()
        .filter(|u| u.contains("******"))
        .map(|u| u.replace("******", number))
        .or_else(|| {
            carrier["homepage"]
                .as_str()
                .filter(|u| !u.is_empty())
                .map(String::from)
        });
    json!({
        "lang": lang,
        "tracking_number": number,
        "status": status,
        "status_label": status_label(status, Some(lang)),
        "carrier": {"name": carrier["name"].as_str().unwrap_or(tracking["carrier_code"].as_str().unwrap_or("")), "url": carrier_url},
        "estimated_delivery": tracking["estimated_delivery"],
        "events": events,
        "shop": shop_json(shop),
        "updated": updated,
    })
}

/// The sample page, for `check-config` and `trackgate render --channel page`.
pub fn sample_page_context() -> Value {
    let ctx = sample_context();
    page_context(
        &ctx["tracking"],
        &json!({"name": "Philippines Post", "track_url": "", "homepage": "https://www.phlpost.gov.ph"}),
        &shop(Some("Example Outdoor Shop"), None),
        "en",
        "2025-11-20 17:12",
    )
}

/// A made-up delivered parcel, for `check-config` and the snapshots.
pub fn sample_context() -> Value {
    sample_context_for(Status::Delivered)
}

/// A made-up parcel that has just reached `status`, its events told by the sandbox
/// carrier's script for that outcome, for `trackgate render` and `check-config`.
pub fn sample_context_for(status: Status) -> Value {
    use crate::core::apply::apply;
    use crate::core::model::Parcel;
    use crate::core::view::TrackInfo;
    // A fixed time, so previews and snapshots are stable.
    let at = 1_763_658_720; // 2025-11-20 17:12 UTC
    let number = format!("SANDBOX-{}-1", status.as_str().to_ascii_uppercase());
    let parcel = Parcel::new("sandbox", &number, at);
    let next = apply(&parcel, &crate::poll::sandbox::journey(&number, at), at).next;
    let trackinfo: Vec<TrackInfo> = next.events.iter().map(TrackInfo::from).collect();
    let last_event = trackinfo
        .first()
        .map(|e| format!("{},{},{}", e.status_description, e.details, e.date))
        .unwrap_or_default();
    let tracking = json!({
        "id": "0123456789abcdef0123456789abcdef", "tracking_number": "RR050349575PH", "carrier_code": "phlpost",
        "status": status, "substatus": next.substatus, "title": "Walking boots", "order_id": "#1001",
        "customer_name": "Jo Example", "customer_email": "jo@example.com", "order_create_time": "2025-11-01 10:00",
        "original_country": "China", "destination_country": "Germany",
        "origin_info": {"trackinfo": trackinfo},
        "lastEvent": last_event, "lastUpdateTime": time::tm_date(at),
    });
    let from = match status {
        Status::Transit => Status::Notfound,
        Status::Pending | Status::Notfound => Status::Pending,
        _ => Status::Transit,
    };
    let transition = json!({"from": from, "to": status, "from_substatus": null, "to_substatus": next.substatus, "at": time::rfc3339(at)});
    let carrier = json!({"code": "phlpost", "name": "Philippines Post", "phone": "+ (63) 854-9825", "track_url": ""});
    context(
        &tracking,
        &transition,
        &carrier,
        &shop(Some("Example Outdoor Shop"), None),
        "http://127.0.0.1:8080",
        "msg_0123456789abcdef0123456789abcdef",
    )
}

#[cfg(test)]
#[path = "templates_tests.rs"]
mod tests;
