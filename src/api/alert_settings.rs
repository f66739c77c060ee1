//! The `alerts` part of `/v2/notifications/settings`: shown in the config's own
//! form (humantime, `off`), and read from a `PUT`.

use super::error::ApiError;
use crate::core::alerts::AlertSettings;
use crate::core::settings::AlertsChange;
use crate::core::status::Status;
use serde_json::{json, Map, Value};

/// The thresholds as the API shows them: every watchable status, `off` where none.
pub fn view(a: &AlertSettings) -> Value {
    let text = |secs: Option<i64>| match secs {
        Some(s) => humantime::format_duration(std::time::Duration::from_secs(s as u64)).to_string(),
        None => "off".into(),
    };
    let stalled: Map<String, Value> = Status::ALL
        .into_iter()
        .filter(|s| !s.is_final())
        .map(|s| {
            (
                s.as_str().to_string(),
                Value::String(text(a.stalled_after(s))),
            )
        })
        .collect();
    json!({"stalled": stalled, "edd_missed": text(a.edd_missed)})
}

/// The change a PUT's `alerts` asks for; an error names the field.
pub fn change(v: &Value) -> Result<AlertsChange, ApiError> {
    let bad = |m: String| ApiError::BadRequest(m);
    let m = v
        .as_object()
        .ok_or_else(|| bad("alerts must be an object".into()))?;
    let mut change = AlertsChange::default();
    for (k, v) in m {
        match k.as_str() {
            "stalled" => {
                let per = v.as_object().ok_or_else(|| {
                    bad("alerts.stalled must be an object of status: duration".into())
                })?;
                for (name, t) in per {
                    let at = format!("alerts.stalled.{name}");
                    let status = AlertsChange::stalled_status(name)
                        .map_err(|e| ApiError::StatusInvalid(format!("{at}: {e}")))?;
                    change.stalled.push((status, threshold(t, &at)?));
                }
            }
            "edd_missed" => change.edd_missed = Some(threshold(v, "alerts.edd_missed")?),
            _ => {
                return Err(bad(format!(
                    "alerts.{k} is not an alert setting (stalled, edd_missed)"
                )))
            }
        }
    }
    Ok(change)
}

fn threshold(v: &Value, at: &str) -> Result<Option<i64>, ApiError> {
    let text = v.as_str().ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{at} must be a duration such as \"3d\", or \"off\""
        ))
    })?;
    AlertsChange::threshold(text).map_err(|e| ApiError::BadRequest(format!("{at}: {e}")))
}
