//! bansho: a hardened terminal workstation for municipal tax offices and the
//! records service it talks to.

pub mod domain;
pub mod text;
