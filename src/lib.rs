//! bansho: a hardened terminal workstation for municipal tax offices and the
//! records service it talks to.

pub mod api;
pub mod client;
pub mod domain;
pub mod secret;
#[cfg(feature = "tui")]
pub mod tui;
