//! Admission of claimed jobs to their destination's lane. A claimed job starts
//! only if its destination can send it soon; otherwise it goes back to the store,
//! due when the destination should have room ([`Admission::Defer`]). So a slow,
//! dead or rate-limited destination holds no more jobs than it can send within a
//! lease, a job waits for a send slot only after its lane has let it through, and
//! no job waits in a lane long enough for its lease to run out (B1 and B2 of the
//! outside review: one shop's backlog stalled every shop, and waiting jobs were
//! claimed and sent twice).
//!
//! A lane is one destination: a webhook URL, a Slack URL, or one account's email
//! (all accounts' mail shares lettre's pool, but each account queues on its own).
//! Its state is in memory: a process restart forgets estimates, not jobs.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::{Duration, Instant};

/// The shortest time a job is handed back for: less would claim it straight away.
pub const MIN_DEFER: Duration = Duration::from_secs(1);

/// The longest: a destination never pushes its jobs out further in one step.
pub const MAX_DEFER: Duration = Duration::from_secs(3600);

/// How many jobs a lane that has not finished a send yet takes at most: until it
/// has, nothing says whether it is quick or dead.
pub const UNKNOWN_DEPTH: usize = 128;

/// What one destination allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sends at once.
    pub slots: usize,
    /// At most one send per this gap (Slack: 1 s), if rate limited.
    pub gap: Option<Duration>,
}

/// What a lane makes of a claimed job.
pub enum Admission {
    /// Send it: wait for a slot, then (if rate limited) until `Ticket::send_at`.
    Admitted(Ticket),
    /// Hand it back to the store, due after this long.
    Defer(Duration),
}

/// What a lane knows when a job asks to be let in.
#[derive(Debug, Clone, Copy)]
pub struct LaneView {
    /// Jobs admitted and not finished (waiting or sending).
    pub admitted: usize,
    /// How long one send takes, as far as the lane has seen; `None` before any
    /// send has ended or run for a while.
    pub estimate: Option<Duration>,
    /// How long until the rate limit allows the next send.
    pub rate_wait: Duration,
}

/// How long a job let in now would wait before its send starts.
pub fn expected_wait(view: &LaneView, limits: Limits) -> Duration {
    let rounds_ahead = (view.admitted / limits.slots.max(1)) as u32;
    let estimate = view.estimate.unwrap_or_default();
    estimate.saturating_mul(rounds_ahead).max(view.rate_wait)
}

/// The admission rule: a job is let in when its send would start within
/// `budget`; otherwise it is handed back for about as long as it would wait.
/// A lane that has no estimate yet takes at most [`UNKNOWN_DEPTH`] jobs.
pub fn decide(view: &LaneView, limits: Limits, budget: Duration) -> Result<(), Duration> {
    if view.estimate.is_none() && view.admitted >= UNKNOWN_DEPTH {
        return Err(MIN_DEFER);
    }
    let wait = expected_wait(view, limits);
    if wait > budget {
        return Err(wait.clamp(MIN_DEFER, MAX_DEFER));
    }
    Ok(())
}

struct Lane {
    limits: Limits,
    slots: Arc<Semaphore>,
    /// Admitted tickets and when each started sending, if it has.
    admitted: BTreeMap<u64, Option<Instant>>,
    /// Moving average of finished sends.
    average: Option<Duration>,
    /// When the rate limit next allows a send.
    next_send: Instant,
    /// Where the next handed-back job goes, so a backlog comes back spread out
    /// rather than all at once.
    defer_cursor: Instant,
}

impl Lane {
    fn view(&self, now: Instant) -> LaneView {
        // A send still running long after the others took says more about the
        // destination than their average (it has stopped answering); a little
        // longer is only noise (a busy machine), and must not hand work back.
        let oldest = self
            .admitted
            .values()
            .flatten()
            .map(|&started| now.saturating_duration_since(started))
            .max();
        let estimate = match (self.average, oldest) {
            (None, Some(o)) if o >= Duration::from_millis(100) => Some(o),
            (None, _) => None,
            (Some(a), Some(o)) if o > (a * 4).max(Duration::from_secs(1)) => Some(o),
            (Some(a), _) => Some(a),
        };
        LaneView {
            admitted: self.admitted.len(),
            estimate,
            rate_wait: self.next_send.saturating_duration_since(now),
        }
    }

    /// Spreads handed-back jobs: each goes one send's time after the last. A lane
    /// that has not shown its speed yet (its first sends are under way) hands back
    /// for [`MIN_DEFER`] only: it is most likely quick, and will know in a moment.
    fn defer(&mut self, now: Instant, wait: Duration) -> Duration {
        let estimate = self.view(now).estimate;
        if estimate.is_none() && self.limits.gap.is_none() {
            return MIN_DEFER;
        }
        let step = self
            .limits
            .gap
            .unwrap_or_else(|| estimate.unwrap_or_default() / self.limits.slots.max(1) as u32);
        let at = (now + wait).max(self.defer_cursor);
        self.defer_cursor = at + step.max(Duration::from_millis(1));
        (at - now).clamp(MIN_DEFER, MAX_DEFER)
    }
}

/// Every destination's lane, created on first use.
pub struct Lanes {
    lanes: Mutex<HashMap<String, Lane>>,
    tickets: AtomicU64,
    budget: Duration,
}

impl Lanes {
    /// Lanes that let a job in when its send would start within `budget`.
    pub fn new(budget: Duration) -> Arc<Lanes> {
        Arc::new(Lanes {
            lanes: Mutex::new(HashMap::new()),
            tickets: AtomicU64::new(0),
            budget,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Lane>> {
        self.lanes.lock().expect("the lane table is never poisoned")
    }

    /// Lets a job for `key` in, or says for how long to hand it back.
    pub fn admit(self: &Arc<Self>, key: &str, limits: Limits) -> Admission {
        let now = Instant::now();
        let mut lanes = self.lock();
        let lane = lanes.entry(key.to_string()).or_insert_with(|| Lane {
            limits,
            slots: Arc::new(Semaphore::new(limits.slots.max(1))),
            admitted: BTreeMap::new(),
            average: None,
            next_send: now,
            defer_cursor: now,
        });
        if let Err(wait) = decide(&lane.view(now), lane.limits, self.budget) {
            return Admission::Defer(lane.defer(now, wait));
        }
        let send_at = match lane.limits.gap {
            Some(gap) => {
                let at = lane.next_send.max(now);
                lane.next_send = at + gap;
                at
            }
            None => now,
        };
        let id = self.tickets.fetch_add(1, Ordering::Relaxed);
        lane.admitted.insert(id, None);
        Admission::Admitted(Ticket {
            lanes: self.clone(),
            key: key.to_string(),
            id,
            slots: lane.slots.clone(),
            send_at,
        })
    }

    /// How long to hand back a job that was let in but could not start in time.
    fn give_up(&self, key: &str) -> Duration {
        let now = Instant::now();
        let mut lanes = self.lock();
        match lanes.get_mut(key) {
            Some(lane) => {
                let wait = expected_wait(&lane.view(now), lane.limits);
                lane.defer(now, wait)
            }
            None => MIN_DEFER,
        }
    }
}

/// A job's place in its lane; leaving the lane when dropped.
pub struct Ticket {
    lanes: Arc<Lanes>,
    key: String,
    id: u64,
    slots: Arc<Semaphore>,
    send_at: Instant,
}

/// A send under way, holding its lane's slot; records how long it took when dropped.
pub struct Sending<'a> {
    ticket: &'a Ticket,
    started: Instant,
    _slot: SemaphorePermit<'a>,
}

impl Ticket {
    /// Waits for a slot and the rate limit's turn, until `deadline`; `Err` with how
    /// long to hand the job back for when the deadline comes first.
    pub async fn enter(&self, deadline: Instant) -> Result<Sending<'_>, Duration> {
        let entered = async {
            let slot = self
                .slots
                .acquire()
                .await
                .expect("lane semaphores are never closed");
            // Only a rate-limited lane waits for its turn: a timer costs a tick.
            if self.send_at > Instant::now() {
                tokio::time::sleep_until(self.send_at).await;
            }
            slot
        };
        match tokio::time::timeout_at(deadline, entered).await {
            Ok(slot) => {
                let started = Instant::now();
                if let Some(lane) = self.lanes.lock().get_mut(&self.key) {
                    lane.admitted.insert(self.id, Some(started));
                }
                Ok(Sending {
                    ticket: self,
                    started,
                    _slot: slot,
                })
            }
            Err(_) => Err(self.lanes.give_up(&self.key)),
        }
    }
}

impl Drop for Sending<'_> {
    fn drop(&mut self) {
        let took = self.started.elapsed();
        if let Some(lane) = self.ticket.lanes.lock().get_mut(&self.ticket.key) {
            lane.admitted.insert(self.ticket.id, None);
            // Weight 1/4: a destination that turns slow shows within a few sends.
            lane.average = Some(match lane.average {
                Some(a) => (a * 3 + took) / 4,
                None => took,
            });
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Some(lane) = self.lanes.lock().get_mut(&self.key) {
            lane.admitted.remove(&self.id);
        }
    }
}

#[cfg(test)]
#[path = "lanes_tests.rs"]
mod tests;
