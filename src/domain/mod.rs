//! Pure rules of the domain: no I/O, no clock, no randomness of their own.

pub mod itaiji;
pub mod kana;
pub mod my_number;
pub mod wareki;
