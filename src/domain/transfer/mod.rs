//! Manual transfers (提供・移転 outside the automated links): registered
//! destinations and formats, the manifest that leaves and its hash, and
//! the workflow from a clerk's request through a supervisor's approval and
//! an IT officer's sign-off at the terminal to the destination's receipt.

pub mod destination;
pub mod format;
pub mod machine;
pub mod manifest;
