//! Black-box tests of the TrackingMore v2 API against the real binary.

mod helpers;

mod batch;
mod cli;
mod durability;
mod errors;
mod isolation;
mod list;
mod lookups;
mod trackings;
