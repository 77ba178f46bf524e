//! Double-checked data entry: forms as data, the checks a keying passes,
//! the comparison of two keyings, and the entry's state machine.
//!
//! Pure: no clock, no store. The service loads an entry, applies a
//! transition and commits the change with its audit row through the
//! journal. Diagram: `docs/state-machines/entry.md`.

pub mod batch;
pub mod checks;
pub mod compare;
pub mod correction;
pub mod field;
pub mod forms;
pub mod identity;
pub mod keying;
pub mod machine;
pub mod quality;
pub mod record;
pub mod reverify;
pub mod schema;
pub mod tax_year;
