//! Words for statuses in messages and on the page, per language, from files an
//! operator edits or adds without a rebuild: `labels/<lang>.yaml` in
//! `templates_dir`, one line per status (`delivered: Livré`). A language without
//! a file, or a status its file leaves out, falls back to `labels/en.yaml`, then to
//! the English built in here.

use crate::core::status::Status;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The English words, when even `labels/en.yaml` is missing.
pub fn builtin(s: Status) -> &'static str {
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

type Words = HashMap<Status, String>;

/// The primary subtag of a language tag, lower case (`de` for `de-AT`, `pt` for
/// `pt_BR`), or `None` when there is none worth looking up.
pub fn primary_subtag(lang: Option<&str>) -> Option<String> {
    lang.map(|l| l.trim().to_ascii_lowercase())
        .and_then(|l| l.split(['-', '_']).next().map(String::from))
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphabetic()))
}

/// The label files of a templates directory, each read when first used.
pub struct Labels {
    dir: PathBuf,
    read: Mutex<HashMap<String, Option<Words>>>,
}

impl Labels {
    pub fn new(templates_dir: &Path) -> Labels {
        Labels {
            dir: templates_dir.join("labels"),
            read: Mutex::default(),
        }
    }

    /// The word for `s` in `lang` (its primary subtag), else in English.
    pub fn label(&self, s: Status, lang: Option<&str>) -> String {
        let primary = primary_subtag(lang);
        let mut read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        for l in primary.iter().map(String::as_str).chain(["en"]) {
            let words = read
                .entry(l.to_string())
                .or_insert_with(|| self.load(l).ok().flatten());
            if let Some(w) = words.as_ref().and_then(|w| w.get(&s)) {
                return w.clone();
            }
        }
        builtin(s).to_string()
    }

    /// A language's file: `None` when there is none; an error names what is
    /// wrong with it.
    fn load(&self, lang: &str) -> Result<Option<Words>, String> {
        let path = self.dir.join(format!("{lang}.yaml"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(None);
        };
        let raw: HashMap<String, String> =
            serde_yaml_ng::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut words = Words::new();
        for (k, v) in raw {
            let s = Status::parse(&k).ok_or_else(|| {
                format!(
                    "{}: {k:?} is not a status (pending, notfound, transit, pickup, delivered, undelivered, exception, expired)",
                    path.display()
                )
            })?;
            words.insert(s, v);
        }
        Ok(Some(words))
    }

    /// Every label file's problems, one line each: unreadable YAML, an unknown
    /// status, a status left out.
    pub fn check(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut problems = Vec::new();
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(lang) = name.strip_suffix(".yaml") else {
                continue;
            };
            match self.load(lang) {
                Err(p) => problems.push(p),
                Ok(Some(words)) => {
                    let missing: Vec<&str> = Status::ALL
                        .iter()
                        .filter(|s| !words.contains_key(s))
                        .map(|s| s.as_str())
                        .collect();
                    if !missing.is_empty() {
                        problems.push(format!(
                            "{}: no word for {} (English is shown instead)",
                            e.path().display(),
                            missing.join(", ")
                        ));
                    }
                }
                Ok(None) => {}
            }
        }
        problems.sort();
        problems
    }
}
