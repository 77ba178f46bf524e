//! What lies over a screen and takes the keys first: the confirm popup,
//! then the message log, then the help.

pub mod confirm;
pub mod help;
pub mod log;
