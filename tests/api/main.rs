//! API tests against a real service on a loopback port, driven by the typed
//! client. One binary, several modules (so they build once).

mod access;
mod audit;
mod audit_review;
#[path = "../common/mod.rs"]
mod common;
mod connections;
mod credentials;
mod entries;
mod grants;
mod journal;
mod lockout;
mod login;
mod malformed;
mod pia_report;
mod printouts;
mod purposes;
mod refusals;
mod residents;
mod roster;
mod sink;
mod terminals;
mod transfer_crash;
mod transfers;
