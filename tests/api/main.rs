//! Black-box tests of the TrackingMore v2 API against the real binary.

#[path = "../support/postgres.rs"]
mod pg_server;

mod dns;
mod helpers;
mod settings;
mod signing;
mod smtp;
mod upstream;
mod upstream_v4;

mod accounts;
mod alerts;
mod batch;
mod bounds;
mod browser;
mod cli;
mod connect;
mod crash;
mod diagnostics;
mod disk_full;
mod durability;
mod emails;
mod errors;
mod hardening;
mod isolation;
mod languages;
mod limits;
mod list;
mod logs;
mod lookups;
mod metrics;
mod migrate;
mod nodes;
mod notify;
mod openapi;
mod page;
mod poll;
mod poll_v4;
mod push;
mod push_v4;
mod receivers;
mod replay;
mod retention;
mod sdk;
mod trackings;
mod upgrade;
mod v4;
mod webhooks;
