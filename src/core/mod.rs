//! The pure domain: statuses, numbers, carriers and detection, the parcel model and
//! `apply`. Nothing here does I/O or knows about HTTP or storage.

pub mod account;
pub mod alerts;
pub mod apply;
pub mod asview;
pub mod awb;
pub mod carriers;
pub mod checkdigit;
pub mod connect;
pub mod country;
pub mod detect;
pub mod endpoint_change;
pub mod endpoints;
pub mod fanout;
pub mod links;
pub mod model;
pub mod number;
pub mod plan;
pub mod recipient;
pub mod remote;
pub mod replay;
pub mod report;
pub mod retention;
pub mod rules;
pub mod schedule;
pub mod settings;
pub mod status;
pub mod time;
pub mod tmwire;
pub mod tmwire4;
pub mod v4view;
pub mod view;
pub mod writes;
