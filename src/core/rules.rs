//! Notification rules: which status changes and alerts notify which channel, and
//! the outbox job a change creates.

use super::alerts::Alert;
use super::model::Transition;
use super::status::Status;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where a notification goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// The tracking's customer, by email.
    Email,
    /// The shop's backend, by signed webhook.
    Webhook,
    /// The shop's team, on Slack.
    Slack,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Webhook, Channel::Slack];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
            Channel::Slack => "slack",
        }
    }
}

/// What a rule names: a status change to a status, or an alert. Written as its
/// name (`transit`, `stalled`) in config, API and store alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// A change to this status.
    Status(Status),
    /// An alert beyond status changes.
    Alert(Alert),
}

impl Topic {
    /// The name.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Status(s) => s.as_str(),
            Topic::Alert(a) => a.as_str(),
        }
    }

    /// Parses a status or alert name (case-insensitive).
    pub fn parse(s: &str) -> Option<Topic> {
        Status::parse(s)
            .map(Topic::Status)
            .or_else(|| Alert::parse(s).map(Topic::Alert))
    }
}

impl Serialize for Topic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Topic {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Topic, D::Error> {
        let name = String::deserialize(d)?;
        Topic::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{name} is neither a status ({}) nor an alert ({})",
                Status::ALL.map(Status::as_str).join(", "),
                Alert::ALL.map(Alert::as_str).join(", ")
            ))
        })
    }
}

/// Which status changes and alerts notify which channel. A channel a config
/// leaves out keeps its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// What emails the customer.
    pub email: Vec<Topic>,
    /// What calls the shop's webhook.
    pub webhook: Vec<Topic>,
    /// What posts to Slack.
    pub slack: Vec<Topic>,
}

impl Default for Rules {
    /// The defaults of the contract: webhook on every change and every alert;
    /// email on pickup, delivered, undelivered, exception; Slack on exception,
    /// undelivered, expired, stalled and a missed estimate.
    fn default() -> Rules {
        use Status::*;
        let statuses = |s: &[Status]| s.iter().map(|s| Topic::Status(*s)).collect::<Vec<_>>();
        let mut webhook = statuses(&Status::ALL);
        webhook.extend(Alert::ALL.map(Topic::Alert));
        let mut slack = statuses(&[Exception, Undelivered, Expired]);
        slack.extend([Topic::Alert(Alert::Stalled), Topic::Alert(Alert::EddMissed)]);
        Rules {
            email: statuses(&[Pickup, Delivered, Undelivered, Exception]),
            webhook,
            slack,
        }
    }
}

impl Rules {
    fn of(&self, channel: Channel) -> &[Topic] {
        match channel {
            Channel::Email => &self.email,
            Channel::Webhook => &self.webhook,
            Channel::Slack => &self.slack,
        }
    }

    /// Whether a change to `to` notifies `channel`.
    pub fn selects(&self, channel: Channel, to: Status) -> bool {
        self.of(channel).contains(&Topic::Status(to))
    }

    /// Whether `alert` notifies `channel`.
    pub fn selects_alert(&self, channel: Channel, alert: Alert) -> bool {
        self.of(channel).contains(&Topic::Alert(alert))
    }
}

/// A delivery state of an outbox job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for its due time (first try or a retry).
    Pending,
    /// Delivered.
    Delivered,
    /// Gave up: a permanent failure or the retry schedule ran out.
    Dead,
    /// Never sent: the channel is off, the rules leave the status out, ...
    /// (`last_error` says which; see `core::fanout`).
    Skipped,
}

/// One notification to send: written in the same commit as the change that caused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Stable across retries; what receivers deduplicate on.
    pub id: String,
    /// The account notified.
    pub account: u64,
    /// Carrier of the tracking.
    pub carrier_code: String,
    /// Number of the tracking.
    pub tracking_number: String,
    /// The channel.
    pub channel: Channel,
    /// The webhook endpoint, for a webhook job to an endpoint beyond the first
    /// (`None`: the first, `notify.webhook`).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The change, as this account sees it.
    pub transition: Transition,
    /// Delivery state.
    pub state: JobState,
    /// Tries so far, in all.
    pub attempts: u32,
    /// Tries since it was last (re)queued; picks the retry delay.
    #[serde(default)]
    pub round_tries: u32,
    /// The last error, if the last try failed; for a skipped one, why it is
    /// not sent.
    #[serde(default)]
    pub last_error: Option<String>,
    /// Claimed by a dispatcher that has not reported back yet; then `due` is when
    /// the lease expires and another dispatcher may take the job over.
    #[serde(default)]
    pub leased: bool,
    /// Which gateway process holds the lease (a random id per process start).
    #[serde(default)]
    pub lease_owner: Option<String>,
    /// When to try next (or, while leased, when the lease expires), unix seconds.
    pub due: i64,
    /// When it was enqueued.
    pub created_at: i64,
}

impl JobState {
    /// A one-byte code for index keys.
    pub fn code(self) -> u8 {
        match self {
            JobState::Pending => 0,
            JobState::Delivered => 1,
            JobState::Dead => 2,
            JobState::Skipped => 3,
        }
    }

    /// Parses the API name.
    pub fn parse(s: &str) -> Option<JobState> {
        match s {
            "pending" => Some(JobState::Pending),
            "delivered" => Some(JobState::Delivered),
            "dead" => Some(JobState::Dead),
            "skipped" => Some(JobState::Skipped),
            _ => None,
        }
    }
}

/// What one delivery try saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1, 2, 3... per job.
    pub number: u32,
    /// When it started, unix milliseconds.
    pub at_ms: i64,
    /// `delivered`, `retry` or `failed`.
    pub outcome: String,
    /// HTTP status or SMTP reply code, when one came back.
    pub code: Option<u16>,
    /// What went wrong.
    pub error: Option<String>,
    /// How long the try took, milliseconds.
    pub latency_ms: u64,
    /// Where it went: the webhook's or Slack's host, or the masked recipient and
    /// the mail server. `None` for a try that never left (and tries of releases
    /// before it was kept).
    #[serde(default)]
    pub destination: Option<String>,
}

/// The longest lease a claim takes, seconds.
pub const MAX_LEASE_SECS: i64 = 3600;

/// When a lease of `lease` seconds taken at `now` ends: at least 1 s and at most
/// [`MAX_LEASE_SECS`] ahead.
pub fn lease_until(now: i64, lease: i64) -> i64 {
    now + lease.clamp(1, MAX_LEASE_SECS)
}

/// What to do with a job after a try: [`crate::notify::outcome`] decides it
/// from what the destination answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Delivered: done.
    Delivered,
    /// Try again at this time.
    RetryAt(i64),
    /// Give up (permanent failure or schedule exhausted).
    Dead,
}

impl Job {
    /// The job after `attempt`, followed by `next`: what every backend records.
    /// The lease ends; the try counts in all and in this round. A finished job's
    /// `due` is when its last try was made (not whatever its lease said).
    pub fn after_try(mut self, next: &Next, attempt: &Attempt) -> Job {
        self.leased = false;
        self.lease_owner = None;
        self.attempts += 1;
        self.round_tries += 1;
        self.last_error = attempt.error.clone();
        let tried_at = attempt.at_ms.div_euclid(1000);
        (self.state, self.due) = match next {
            Next::Delivered => (JobState::Delivered, tried_at),
            Next::Dead => (JobState::Dead, tried_at),
            Next::RetryAt(at) => (JobState::Pending, *at),
        };
        self
    }

    /// The job id: derived from what it is about, so the same change can never be
    /// enqueued under two ids.
    pub fn id_for(account: u64, carrier: &str, number: &str, seq: u64, channel: Channel) -> String {
        Job::id_to(account, carrier, number, seq, channel, None)
    }

    /// The same, for a webhook endpoint beyond the first (`Some` of its id); the
    /// first endpoint's jobs keep the ids of releases before endpoints.
    pub fn id_to(
        account: u64,
        carrier: &str,
        number: &str,
        seq: u64,
        channel: Channel,
        endpoint: Option<&str>,
    ) -> String {
        let mut h = Sha256::new();
        h.update(account.to_be_bytes());
        h.update(carrier.as_bytes());
        h.update([0]);
        h.update(number.as_bytes());
        h.update(seq.to_be_bytes());
        h.update(channel.as_str().as_bytes());
        if let Some(e) = endpoint {
            h.update([0]);
            h.update(e.as_bytes());
        }
        format!("msg_{}", &hex::encode(h.finalize())[..32])
    }

    /// Whether the id is [`Job::id_for`] its transition and channel: a status
    /// change's job to the first endpoint (or email, Slack). Stores that find a
    /// tracking's jobs from its transitions index the others.
    pub fn derived_id(&self) -> bool {
        self.id
            == Job::id_for(
                self.account,
                &self.carrier_code,
                &self.tracking_number,
                self.transition.seq,
                self.channel,
            )
    }

    /// The job claimed by process `owner` until `until`: no other claim returns
    /// it before then, unless its try is recorded first.
    pub fn leased(mut self, owner: &str, until: i64) -> Job {
        self.leased = true;
        self.lease_owner = Some(owner.to_string());
        self.due = until;
        self
    }

    /// The claimed job handed back unsent, due at `due`: its lease ends and no try
    /// is counted. A dispatcher defers what its destination cannot send soon.
    pub fn deferred(mut self, due: i64) -> Job {
        self.leased = false;
        self.lease_owner = None;
        self.due = due;
        self
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::core::model::Transition;

    /// A pending webhook job `msg_1` of account 7.
    pub(crate) fn job() -> Job {
        Job {
            id: "msg_1".into(),
            account: 7,
            carrier_code: "usps".into(),
            tracking_number: "9400".into(),
            channel: Channel::Webhook,
            endpoint: None,
            transition: Transition {
                seq: 1,
                from: Status::Pending,
                from_substatus: None,
                to: Status::Transit,
                to_substatus: None,
                at: 5,
                source: "push:native".into(),
            },
            state: JobState::Pending,
            attempts: 1,
            round_tries: 1,
            last_error: None,
            leased: false,
            lease_owner: None,
            due: 10,
            created_at: 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_follow_the_contract() {
        let r = Rules::default();
        assert!(r.selects(Channel::Webhook, Status::Transit));
        assert!(r.selects(Channel::Email, Status::Delivered));
        assert!(!r.selects(Channel::Email, Status::Transit));
        assert!(r.selects(Channel::Slack, Status::Expired));
        assert!(!r.selects(Channel::Slack, Status::Delivered));
    }

    #[test]
    fn job_ids_are_stable_and_distinct_per_channel() {
        let a = Job::id_for(1, "usps", "9400", 3, Channel::Email);
        assert_eq!(a, Job::id_for(1, "usps", "9400", 3, Channel::Email));
        assert_ne!(a, Job::id_for(1, "usps", "9400", 3, Channel::Webhook));
        assert_ne!(a, Job::id_for(2, "usps", "9400", 3, Channel::Email));
    }
}
