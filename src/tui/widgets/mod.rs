//! Small widgets of the terminal.

pub mod input;
