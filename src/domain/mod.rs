//! Pure rules of the domain: no I/O, no clock, no randomness of their own.

pub mod actor;
pub mod audit_event;
pub mod entry;
pub mod grant;
pub mod itaiji;
pub mod kana;
pub mod my_number;
pub mod person_number;
pub mod pin_policy;
pub mod resident;
pub mod retention;
pub mod roles;
pub mod roster;
pub mod search_query;
pub mod session;
pub mod synth;
pub mod terminal;
pub mod transfer;
pub mod wareki;
