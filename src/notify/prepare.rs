//! What a claimed job sends and where, made before it asks its destination's lane
//! for a place: the destination checks, the rendered message, and the lane it
//! queues in. A job that cannot be sent at all ends here with a permanent outcome.

use super::context::{MessageContext, TransitionView};
use super::dispatcher::Dispatcher;
use super::lanes::Limits;
use super::outcome::{permanent, Sent};
use super::subject::Subject;
use super::templates::{Email, Slack};
use super::{destination, slack, webhook, webhook_formats};
use crate::core::endpoints::Format;
use crate::core::rules::{Channel, Job};
use std::sync::Arc;
use std::time::Duration;

/// Whether a webhook or Slack destination may be sent to: not switched off by a
/// 410, and a URL user-chosen destinations may reach.
fn usable(what: &str, url: &str, disabled: Option<&str>, allow_private: bool) -> Result<(), Sent> {
    if let Some(why) = disabled {
        return Err(permanent(format!(
            "the {what} is disabled ({why}); set it again or enable it to re-enable"
        )));
    }
    destination::check_url(url, allow_private).map_err(permanent)
}

/// A message ready to go out.
pub enum Message {
    /// A signed webhook; the body is made at send time (it carries the time).
    Webhook {
        url: String,
        format: Format,
        secrets: Vec<String>,
        subject: Arc<Subject>,
        transition: TransitionView,
    },
    /// A Slack post.
    Slack { url: String, message: Slack },
    /// A customer email.
    Email { to: String, email: Email },
}

impl Message {
    /// Where it goes, as its try records it: the webhook's or Slack's host (and
    /// port, when not the scheme's), or the masked recipient and the mail server.
    pub fn destination(&self, mailer: &super::email::Mailer) -> String {
        match self {
            Message::Webhook { url, .. } | Message::Slack { url, .. } => host_of(url),
            Message::Email { to, .. } => format!(
                "{} via {}",
                crate::core::recipient::mask(to),
                mailer.describe()
            ),
        }
    }
}

fn host_of(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => "(no host)".into(),
        },
        Err(_) => "(not a URL)".into(),
    }
}

/// A message and the lane it waits in.
pub struct Prepared {
    /// The lane: the destination URL, or the account's mail.
    pub lane: String,
    /// What the lane allows.
    pub limits: Limits,
    /// The message.
    pub message: Message,
    /// When its webhook endpoint's run of failures began, if it is in one.
    pub failing_since: Option<i64>,
}

impl Dispatcher {
    /// What `job` sends, or how its try ends without a send.
    pub(super) fn prepare(&self, job: &Job, subject: &Arc<Subject>) -> Result<Prepared, Sent> {
        let transition = TransitionView::from(&job.transition);
        let account = &subject.account;
        let cfg = self.cfg();
        // Only email and Slack render templates; a webhook sends the JSON as is.
        let ctx = |transition| {
            MessageContext::new(
                &subject.view,
                transition,
                &subject.carrier,
                &subject.shop,
                &cfg.public_url,
                &job.id,
            )
        };
        let lang = subject.lang.as_deref();
        let status = transition.topic();
        let allow_private = cfg.allow_private_destinations;
        let concurrency = cfg.delivery.concurrency.max(1);
        match job.channel {
            Channel::Webhook => {
                let endpoint = job.endpoint.as_deref();
                let Some(dest) = account.notify.webhook_dest(endpoint) else {
                    return Err(permanent(match endpoint {
                        None => "no webhook is configured".to_string(),
                        Some(id) => format!("webhook endpoint {id} was deleted"),
                    }));
                };
                let what = match endpoint {
                    None => "webhook".to_string(),
                    Some(id) => format!("webhook endpoint {id}"),
                };
                usable(&what, &dest.url, dest.disabled.as_deref(), allow_private)?;
                let secrets = dest.signing_secrets(self.clock().now());
                if secrets.is_empty() {
                    return Err(permanent(format!("the {what} has no signing secret")));
                }
                Ok(Prepared {
                    lane: dest.url.clone(),
                    limits: Limits {
                        slots: concurrency,
                        gap: None,
                    },
                    failing_since: dest.health.failing_since,
                    message: Message::Webhook {
                        url: dest.url.clone(),
                        format: dest.format,
                        secrets,
                        subject: subject.clone(),
                        transition,
                    },
                })
            }
            Channel::Slack => {
                let Some(dest) = &account.notify.slack else {
                    return Err(permanent("no Slack webhook is configured"));
                };
                usable(
                    "Slack webhook",
                    &dest.url,
                    dest.disabled.as_deref(),
                    allow_private,
                )?;
                let message = self
                    .templates()
                    .slack(status, lang, &ctx(&transition))
                    .map_err(|e| permanent(e.to_string()))?;
                Ok(Prepared {
                    lane: dest.url.clone(),
                    // Slack takes about one message per second per webhook URL.
                    limits: Limits {
                        slots: 1,
                        gap: Some(Duration::from_secs(1)),
                    },
                    message: Message::Slack {
                        url: dest.url.clone(),
                        message,
                    },
                    failing_since: None,
                })
            }
            Channel::Email => {
                let Some(to) = &subject.customer_email else {
                    return Err(permanent("the tracking has no customer_email"));
                };
                let email = self
                    .templates()
                    .email(status, lang, &ctx(&transition))
                    .map_err(|e| permanent(e.to_string()))?;
                Ok(Prepared {
                    // Every account's mail shares the SMTP pool, but queues on its own.
                    lane: format!("smtp#{}", job.account),
                    limits: Limits {
                        slots: concurrency,
                        gap: None,
                    },
                    message: Message::Email {
                        to: to.clone(),
                        email,
                    },
                    failing_since: None,
                })
            }
        }
    }

    /// Sends a prepared message.
    pub(super) async fn send(&self, job: &Job, message: Message) -> Sent {
        match message {
            Message::Webhook {
                url,
                format,
                secrets,
                subject,
                transition,
            } => {
                let now = self.clock().now();
                let body = webhook_formats::body_text(
                    format,
                    &subject,
                    self.carriers(),
                    &transition,
                    &job.id,
                    &secrets[0],
                    now,
                );
                let to = webhook::Post {
                    url: &url,
                    format,
                    secrets: &secrets,
                    job_id: &job.id,
                    now,
                };
                webhook::send(self.http(), to, body).await
            }
            Message::Slack { url, message } => slack::send(self.http(), &url, &message).await,
            Message::Email { to, email } => {
                self.mailer()
                    .send(&self.cfg().email.from, &to, &job.id, &email)
                    .await
            }
        }
    }
}
