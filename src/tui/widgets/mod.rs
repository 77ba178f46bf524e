//! Drawing helpers shared by the screens, the popups and the frame around
//! them. Widgets draw from a [`crate::tui::view::View`] and what they are
//! given; they know no screen.

pub mod bars;
pub mod demo;
pub mod diff;
pub mod field_row;
pub mod fields;
pub mod form;
pub mod history;
pub mod input;
pub mod layout;
pub mod line;
pub mod message;
pub mod panel;
pub mod read_as;
pub mod resident;
pub mod results;
pub mod time;
