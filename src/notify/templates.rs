//! Notification templates: files in `templates_dir`, rendered with minijinja in
//! strict mode (a missing variable is an error, never an empty string).
//!
//! Layout: `<channel>/[<lang>/]<status or "default">/<part>`. A part is looked up
//! as `email/de/delivered/subject.txt`, then `email/de/default/subject.txt`, then
//! `email/delivered/subject.txt`, then `email/default/subject.txt`. English lives at
//! the top level. Email parts: `subject.txt`, `body.txt`, `body.html` (which may
//! extend `email/layout.html`); Slack parts: `text.txt`, `blocks.json`. What the
//! templates see is typed in [`super::context`].

use super::context::{MessageContext, PageContext};
use super::labels::Labels;
use super::sample::Sample;
use super::slack::slack_escape;
use crate::core::rules::{Channel, Topic};
use crate::core::status::Status;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
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
    labels: Labels,
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
            labels: Labels::new(dir),
        }
    }

    /// Where `topic`'s `part` may be, first found wins: the language's folder,
    /// then English; a status falls back to `default/`, an alert does not (a
    /// "new status" message would say the wrong thing).
    fn candidates(channel: Channel, topic: Topic, lang: Option<&str>, part: &str) -> Vec<String> {
        let c = channel.as_str();
        let s = topic.as_str();
        let fallback = matches!(topic, Topic::Status(_));
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
            if fallback {
                out.push(format!("{c}/{l}/default/{part}"));
            }
        }
        out.push(format!("{c}/{s}/{part}"));
        if fallback {
            out.push(format!("{c}/default/{part}"));
        }
        out
    }

    fn render_part(
        &self,
        channel: Channel,
        topic: Topic,
        lang: Option<&str>,
        part: &str,
        ctx: &impl Serialize,
    ) -> Result<String, TemplateError> {
        self.render_first(&Self::candidates(channel, topic, lang, part), part, ctx)
    }

    /// Renders the first of `names` that exists; `part` names what was missing.
    fn render_first(
        &self,
        names: &[String],
        part: &str,
        ctx: &impl Serialize,
    ) -> Result<String, TemplateError> {
        for name in names {
            if !self.dir.join(name).is_file() {
                continue;
            }
            let t = self
                .env
                .get_template(name)
                .map_err(|e| TemplateError::Render(name.clone(), e.to_string()))?;
            return t.render(ctx).map_err(|e| self.render_error(name, &e));
        }
        Err(TemplateError::Missing(
            part.into(),
            format!(
                "{} under templates_dir {}",
                names.join(", "),
                self.dir.display()
            ),
        ))
    }

    /// A render error that names what failed: for an undefined variable, the
    /// expression as written in the file and its line.
    fn render_error(&self, name: &str, e: &minijinja::Error) -> TemplateError {
        let expr = (e.kind() == minijinja::ErrorKind::UndefinedError)
            .then(|| e.range())
            .flatten()
            .and_then(|r| {
                let src = std::fs::read_to_string(self.dir.join(name)).ok()?;
                src.get(r).map(|x| x.trim().to_string())
            });
        match expr {
            Some(x) => TemplateError::Render(
                name.to_string(),
                format!(
                    "line {}: {x:?} is not defined (see templates/README.md for the variables)",
                    e.line().unwrap_or(0)
                ),
            ),
            None => TemplateError::Render(name.to_string(), e.to_string()),
        }
    }

    /// Renders an email.
    pub fn email(
        &self,
        status: Topic,
        lang: Option<&str>,
        ctx: &MessageContext<'_>,
    ) -> Result<Email, TemplateError> {
        let ctx = &ctx.with_label(self.labels.label(ctx.transition.to, lang));
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

    /// Renders a Slack message; `blocks.json` is optional. Every string the
    /// context carries is escaped for Slack first ([`slack_escape`]).
    pub fn slack(
        &self,
        status: Topic,
        lang: Option<&str>,
        ctx: &MessageContext<'_>,
    ) -> Result<Slack, TemplateError> {
        let values =
            serde_json::to_value(ctx.with_label(self.labels.label(ctx.transition.to, lang)))
                .map_err(|e| TemplateError::Render("slack context".into(), e.to_string()))?;
        let escaped = slack_escape(&values);
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
        match super::labels::primary_subtag(lang) {
            Some(l) if l != "en" && self.has_language(channel, &l) => l,
            _ => "en".into(),
        }
    }

    /// Renders a tracking page file (`index.html`, `not_found.html`) from
    /// `page/<lang>/` or `page/`.
    pub fn page(
        &self,
        file: &str,
        lang: &str,
        ctx: &impl Serialize,
    ) -> Result<String, TemplateError> {
        let names = [format!("page/{lang}/{file}"), format!("page/{file}")];
        self.render_first(&names, file, ctx)
    }

    /// Renders the tracking page of `ctx` in `lang`, its status in that language.
    pub fn tracking_page(
        &self,
        lang: &str,
        ctx: &PageContext<'_>,
    ) -> Result<String, TemplateError> {
        let ctx = PageContext {
            status_label: self.labels.label(ctx.status, Some(lang)),
            ..ctx.clone()
        };
        self.page("index.html", lang, &ctx)
    }

    /// Renders every template file with a sample context, and reads every label
    /// file; one line per problem.
    pub fn check(&self) -> Vec<String> {
        if !self.dir.is_dir() {
            let cwd = std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|_| "?".into());
            let relative = if self.dir.is_relative() {
                format!(" (relative to the working directory {cwd})")
            } else {
                String::new()
            };
            return vec![format!(
                "templates_dir {}{relative}: not a directory; set templates_dir to the shipped templates/ folder",
                self.dir.display()
            )];
        }
        let mut problems = self.labels.check();
        let langs = self.languages();
        let sample = Sample::delivered();
        // The same broken file fails for many statuses: report each error once.
        let mut seen = std::collections::BTreeSet::new();
        let topics = Status::ALL
            .map(Topic::Status)
            .into_iter()
            .chain(crate::core::alerts::Alert::ALL.map(Topic::Alert));
        for topic in topics {
            let alerted = matches!(topic, Topic::Alert(_)).then(|| Sample::of(topic));
            let ctx = alerted.as_ref().unwrap_or(&sample).context();
            for lang in std::iter::once(None).chain(langs.iter().map(|l| Some(l.as_str()))) {
                let results = [
                    self.email(topic, lang, &ctx).err(),
                    self.slack(topic, lang, &ctx).err(),
                ];
                for e in results.into_iter().flatten() {
                    if seen.insert(e.to_string()) {
                        problems.push(e.to_string());
                    }
                }
            }
        }
        for lang in std::iter::once("en").chain(langs.iter().map(String::as_str)) {
            let page = sample.page(lang);
            let rendered = [
                self.tracking_page(lang, &page),
                self.page("not_found.html", lang, &page),
            ];
            for e in rendered.into_iter().filter_map(Result::err) {
                if seen.insert(e.to_string()) {
                    problems.push(e.to_string());
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
                let is_status =
                    crate::core::rules::Topic::parse(&name).is_some() || name == "default";
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

#[cfg(test)]
#[path = "templates_tests.rs"]
mod tests;
