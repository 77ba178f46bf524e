//! Retention and erasure: how long each kind of record is kept and on what
//! legal basis ([`rules`]), and what is due for erasure on a day
//! ([`plan`]). Pure: the store lists candidates, the plan decides, and two
//! people approve the plan's hash before anything is erased.

pub mod plan;
pub mod rules;

pub use plan::{Candidate, Plan, PlanItem, Stated, plan};
pub use rules::{Kind, Period, Rule, Rules};
