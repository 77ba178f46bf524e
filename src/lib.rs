//! bansho: a hardened terminal workstation for municipal tax offices and the
//! records service it talks to.

// Library code fails with a named error, never by unwinding; the few
// justified exceptions are allowed where they stand, with their reason.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod api;
#[cfg(feature = "server")]
pub mod bench;
pub mod cli;
pub mod client;
pub mod domain;
pub mod private_fs;
pub mod qr;
pub mod secret;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod sink;
#[cfg(feature = "server")]
pub mod store;
#[cfg(feature = "server")]
pub mod telemetry;
#[cfg(feature = "server")]
pub mod testkit;
pub mod text;
#[cfg(feature = "tui")]
pub mod tui;
#[cfg(feature = "server")]
pub mod witness;
