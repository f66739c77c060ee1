//! What a write of news did, as its caller is told: counted from core's plans
//! in one place, whatever the backend.

use super::plan::UpdatePlan;
use super::rules::JobState;
use super::status::Status;

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyReport {
    /// The push id was seen before: nothing was done.
    pub duplicate: bool,
    /// The push id was seen before with another body: refused, nothing was done.
    pub replayed: bool,
    /// Updates that matched a tracked parcel.
    pub matched: usize,
    /// Updates for numbers nobody tracks (accepted, ignored).
    pub ignored: usize,
    /// Transitions recorded.
    pub transitions: usize,
    /// Outbox jobs enqueued (to send; skipped ones not counted).
    pub jobs: usize,
    /// Events ignored for implausible times (before 2000, over a day ahead).
    pub ignored_events: usize,
    /// Transitions recorded, by the status they lead to.
    pub transitions_to: Vec<(Status, usize)>,
}

impl ApplyReport {
    /// An update for a parcel somebody tracks.
    pub fn matched(&mut self) {
        self.matched += 1;
    }

    /// An update for a parcel nobody tracks (accepted, ignored).
    pub fn ignored(&mut self) {
        self.ignored += 1;
    }

    /// Counts what a plan does: the events it ignored, and, if it changes the
    /// parcel, its transitions (by the status they lead to) and jobs.
    pub fn record(&mut self, plan: &UpdatePlan) {
        self.ignored_events += plan.ignored_events;
        if !plan.parcel_changed {
            return;
        }
        self.jobs += plan
            .jobs
            .iter()
            .filter(|j| j.state == JobState::Pending)
            .count();
        self.transitions += plan.transitions.len();
        for tr in &plan.transitions {
            match self.transitions_to.iter_mut().find(|(s, _)| *s == tr.to) {
                Some((_, n)) => *n += 1,
                None => self.transitions_to.push((tr.to, 1)),
            }
        }
    }
}
