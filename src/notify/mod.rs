//! Notifications out: the dispatcher ([`dispatcher`]) claims due outbox jobs, lets
//! each into its destination's lane ([`lanes`]) and sends each through its channel's sender ([`email`], [`slack`], [`webhook`],
//! in the endpoint's format: [`webhook_formats`]); a webhook try also tells its
//! endpoint's health (`health.rs`);
//! [`outcome`] decides what follows a try (retry schedule, dead letter, disable on
//! 410); [`templates`] renders every message from its typed [`context`] (previews
//! and checks from a [`sample`]); [`destination`] keeps user-chosen URLs off
//! private addresses.

pub mod context;
pub mod destination;
pub mod dispatcher;
pub mod email;
mod health;
mod labels;
pub mod lanes;
pub mod outcome;
mod prepare;
pub mod preview;
mod record_try;
pub mod recorder;
pub mod sample;
pub mod slack;
pub mod subject;
pub mod templates;
pub mod watcher;
pub mod webhook;
pub mod webhook_formats;

pub use dispatcher::{Dispatcher, MAX_INFLIGHT};
pub use outcome::Sent;
