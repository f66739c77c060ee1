//! Who hears of a transition: for each channel, a notification to send, or a
//! skipped one saying why it is not sent. Skipped ones are kept beside the sent
//! ones (`GET /v2/notifications?tracking_number=`), so a status change that
//! emailed nobody says why.

use super::endpoints::{EndpointRef, FIRST};
use super::model::{Parcel, Tracking, Transition};
use super::rules::{Channel, Job, JobState, Topic};
use super::settings::Notify;

/// Why a channel is not notified of a status change an account sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The channel is off or has no destination (or a 410 disabled it).
    ChannelOff(String),
    /// The account's rules leave this status out for the channel.
    NotInRules,
    /// Email, and the tracking has no `customer_email`.
    NoCustomerEmail,
    /// The shop stopped updating the tracking (`notupdate`).
    NotUpdating,
    /// The shop forced the tracking's status; the carrier's change is hidden.
    ForcedStatus,
}

impl Skip {
    /// In words, for the operator: what a skipped notification's `reason` says.
    pub fn reason(
        &self,
        channel: Channel,
        endpoint: Option<&EndpointRef<'_>>,
        t: &Transition,
    ) -> String {
        let to = t.to.as_str();
        match self {
            Skip::ChannelOff(why) => why.clone(),
            Skip::NotInRules => match endpoint {
                Some(e) if e.id != FIRST => {
                    format!("webhook endpoint {} does not take changes to {to}", e.id)
                }
                _ => format!("rules.{} does not include {to}", channel.as_str()),
            },
            Skip::NoCustomerEmail => "the tracking has no customer_email".into(),
            Skip::NotUpdating => "the tracking is set not to update (notupdate)".into(),
            Skip::ForcedStatus => format!(
                "the shop set this tracking's status to {} by hand; the carrier's change is not notified",
                t.from.as_str()
            ),
        }
    }
}

/// Whether `channel` (for a webhook, the endpoint `to`) is notified of a change
/// to `t`'s status, or why not.
fn decide(
    t: &Tracking,
    notify: &Notify,
    (channel, to): (Channel, Option<&EndpointRef<'_>>),
    tr: &Transition,
    forced: bool,
) -> Result<(), Skip> {
    if forced {
        return Err(Skip::ForcedStatus);
    }
    if t.notupdate {
        return Err(Skip::NotUpdating);
    }
    if let Some(e) = to {
        if let Some(why) = &e.dest.disabled {
            return Err(Skip::ChannelOff(match e.job_key() {
                None => format!("the webhook destination is disabled: {why}"),
                Some(id) => format!("webhook endpoint {id} is disabled: {why}"),
            }));
        }
        if !e.topics.contains(&Topic::Status(tr.to)) {
            return Err(Skip::NotInRules);
        }
        return Ok(());
    }
    if !notify.enabled(channel) {
        return Err(Skip::ChannelOff(off_reason(notify, channel)));
    }
    if !notify.rules.selects(channel, tr.to) {
        return Err(Skip::NotInRules);
    }
    if channel == Channel::Email && t.fields.customer_email.is_none() {
        return Err(Skip::NoCustomerEmail);
    }
    Ok(())
}

fn off_reason(n: &Notify, channel: Channel) -> String {
    let disabled = |why: &Option<String>| {
        why.as_ref()
            .map(|w| format!("the {} destination is disabled: {w}", channel.as_str()))
    };
    match channel {
        Channel::Email => "email is off for this account".into(),
        Channel::Webhook => "no webhook is set for this account".into(),
        Channel::Slack => n
            .slack
            .as_ref()
            .and_then(|s| disabled(&s.disabled))
            .unwrap_or_else(|| "no Slack URL is set for this account".into()),
    }
}

/// The notifications one subscriber's tracking `t` gets for the parcel's move
/// from `prev` to `next` by `tr`: one per channel, pending (to send) or skipped
/// (with its reason in `last_error`). None when the account sees no change (its
/// status is the same) and none was hidden by a forced status, and none for an
/// account that sets up no channel at all (no email, webhook or Slack, even a
/// switched-off one): it uses no notifications, its settings say so, and three
/// rows per change would only fill its disk.
pub fn jobs_for(
    t: &Tracking,
    notify: &Notify,
    prev: &Parcel,
    next: &Parcel,
    tr: &Transition,
    now: i64,
) -> Vec<Job> {
    let (from, to) = (t.effective_status(prev), t.effective_status(next));
    let forced = from == to && t.status_override.is_some() && prev.status != next.status;
    if from == to && !forced {
        return Vec::new();
    }
    let endpoints = notify.webhooks();
    let uses_any = notify.email || !endpoints.is_empty() || notify.slack.is_some();
    if !uses_any {
        return Vec::new();
    }
    let seen = Transition {
        from,
        to: if forced { next.status } else { to },
        from_substatus: tr.from_substatus.clone(),
        ..tr.clone()
    };
    // One webhook job per endpoint; with none, one skipped row saying so.
    let mut targets: Vec<(Channel, Option<&EndpointRef<'_>>)> = Vec::new();
    for channel in Channel::ALL {
        if channel == Channel::Webhook && !endpoints.is_empty() {
            targets.extend(endpoints.iter().map(|e| (channel, Some(e))));
        } else {
            targets.push((channel, None));
        }
    }
    targets
        .into_iter()
        .map(|target| {
            let (channel, to) = target;
            let skipped = decide(t, notify, target, &seen, forced).err();
            let endpoint = to.and_then(|e| e.job_key());
            Job {
                id: Job::id_to(
                    t.account,
                    &t.carrier_code,
                    &t.tracking_number,
                    tr.seq,
                    channel,
                    endpoint.as_deref(),
                ),
                account: t.account,
                carrier_code: t.carrier_code.clone(),
                tracking_number: t.tracking_number.clone(),
                channel,
                endpoint,
                state: if skipped.is_some() {
                    JobState::Skipped
                } else {
                    JobState::Pending
                },
                last_error: skipped.map(|s| s.reason(channel, to, &seen)),
                transition: seen.clone(),
                attempts: 0,
                round_tries: 0,
                leased: false,
                lease_owner: None,
                due: now,
                created_at: now,
            }
        })
        .collect()
}
