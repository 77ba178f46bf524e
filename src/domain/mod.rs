//! Pure rules of the domain: no I/O, no clock, no randomness of their own.

pub mod resident;
pub mod roles;
