//! One module per screen. Each owns its state, its keys (through
//! [`crate::tui::component::Component`]), its drawing and its hints; none
//! imports another, and shared drawing lives in `tui/widgets/`.

pub mod audit;
pub mod entry;
pub mod grants;
pub mod lock;
pub mod login;
pub mod no_search;
pub mod pin_change;
pub mod purpose;
pub mod record;
pub mod records;
pub mod review;
pub mod search;
pub mod tabs;
pub mod transfers;

/// Rows moved by page up / page down in a list.
pub const PAGE: usize = 10;
