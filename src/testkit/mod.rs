//! A real records service in this process, as the integration tests and the
//! benchmarks drive it: the service on 127.0.0.1:0 over mutual TLS, and
//! staff accounts whose PINs and TOTP secrets are kept, so that a login
//! can be made with the code an authenticator would show.
//!
//! The tests add what only they need (a manual clock, a private temporary
//! directory, running the binary) in `tests/common/`.

pub mod service;
pub mod staff;

pub use service::RunningService;
pub use staff::{Account, Roster, code_at, next_step};
