//! Words for statuses in messages and on the page, per language.

use crate::core::status::Status;

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
