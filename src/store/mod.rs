//! The store: one interface over the storage engines. Callers see domain operations
//! and backend-neutral types ([`types`]); every write is durable when it returns;
//! waiting for new notification jobs is `jobs_ready`; leases carry an owner and an
//! expiry. Decisions are not made here: `core::plan` decides, a backend loads its
//! inputs and writes its result in one transaction.
//!
//! sled (`store/sled/`) is the only engine today, so `Store` is the sled store.
//! The PostgreSQL backend turns it into an enum over both, with these methods, and
//! runs the same conformance suite (`tests/store.rs`).

mod sled;
pub mod types;

pub use self::sled::SledStore as Store;
pub use crate::core::plan::{Origin, PUSH_ID_RETENTION};
pub use crate::core::settings::{Notify, SlackDest, WebhookDest};
pub use types::hash_key as accounts_hash_key;
pub use types::*;
