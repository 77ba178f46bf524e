//! One module per screen; each draws a part of `App` and changes nothing.

pub mod help;
pub mod lock;
pub mod login;
pub mod no_search;
pub mod purpose;
pub mod record;
pub mod search;
