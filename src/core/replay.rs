//! A manual retry (`POST /v2/notifications/{id}/retry`): what it does to a job,
//! by the job's state, and how the answer says so. Every backend stores the job
//! [`Job::replayed`] returns.

use super::rules::{Job, JobState};

/// What a manual retry did, or why it did nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// It had been delivered: it is sent again, under the same id.
    Resent,
    /// It had died: a new round of the retry schedule starts now.
    Revived,
    /// It was waiting for a retry at `was_due`: that try is now.
    BroughtForward { was_due: i64 },
    /// Nothing done: it is due already and goes out at the next dispatch.
    AlreadyDue,
    /// Nothing done: a dispatcher is sending it right now.
    Sending,
    /// Nothing done: it was skipped when the change happened (its reason says
    /// why) and is never sent.
    Skipped,
}

impl Replay {
    /// Whether the job was changed.
    pub fn changed(self) -> bool {
        !matches!(self, Replay::AlreadyDue | Replay::Sending | Replay::Skipped)
    }

    /// The answer's `action`.
    pub fn action(self) -> &'static str {
        match self {
            Replay::Resent => "resent",
            Replay::Revived => "revived",
            Replay::BroughtForward { .. } => "brought_forward",
            Replay::AlreadyDue | Replay::Sending | Replay::Skipped => "none",
        }
    }

    /// What it did or why not, in words for the operator.
    pub fn reason(self) -> &'static str {
        match self {
            Replay::Resent => "it had been delivered; it is sent again now, with the same id",
            Replay::Revived => "it had died; it is tried again now, with a new round of retries",
            Replay::BroughtForward { .. } => "it was waiting for a retry; that try is now",
            Replay::AlreadyDue => "it is due already and goes out at the next dispatch",
            Replay::Sending => "it is being sent right now",
            Replay::Skipped => {
                "it was skipped when the status changed (see its reason) and is never sent"
            }
        }
    }
}

impl Job {
    /// The job after a manual retry at `now` (`None` when it is left as it is) and
    /// what was done. A delivered or dead job is queued again with a new round of
    /// the retry schedule; a pending one waiting for a later try is made due now;
    /// a pending one already due, or leased to a dispatcher, is left alone.
    pub fn replayed(mut self, now: i64) -> (Option<Job>, Replay) {
        let replay = match self.state {
            JobState::Delivered => Replay::Resent,
            JobState::Dead => Replay::Revived,
            JobState::Skipped => return (None, Replay::Skipped),
            JobState::Pending if self.leased => return (None, Replay::Sending),
            JobState::Pending if self.due <= now => return (None, Replay::AlreadyDue),
            JobState::Pending => {
                let was_due = self.due;
                self.due = now;
                return (Some(self), Replay::BroughtForward { was_due });
            }
        };
        self.state = JobState::Pending;
        self.due = now;
        self.round_tries = 0;
        self.leased = false;
        self.lease_owner = None;
        (Some(self), replay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::fixtures::job;

    #[test]
    fn a_retry_by_state() {
        let at = |state, due, leased| Job {
            state,
            due,
            leased,
            round_tries: 3,
            ..job()
        };
        let (j, r) = at(JobState::Delivered, 10, false).replayed(50);
        let j = j.unwrap();
        assert_eq!(
            (r, j.state, j.due, j.round_tries),
            (Replay::Resent, JobState::Pending, 50, 0)
        );
        let (j, r) = at(JobState::Dead, 10, false).replayed(50);
        assert_eq!((r, j.unwrap().round_tries), (Replay::Revived, 0));
        let (j, r) = at(JobState::Pending, 90, false).replayed(50);
        let j = j.unwrap();
        assert_eq!(r, Replay::BroughtForward { was_due: 90 });
        assert_eq!((j.due, j.round_tries), (50, 3), "the round goes on");
        assert_eq!(
            at(JobState::Pending, 50, false).replayed(50),
            (None, Replay::AlreadyDue)
        );
        assert_eq!(
            at(JobState::Pending, 90, true).replayed(50),
            (None, Replay::Sending)
        );
    }
}
