//! The access policy of `access-policy.md`, as a pure function.
//!
//! Why pure: every channel (FHIR API, portal, notifications, access log) must reach the
//! same answer, and a decision must be testable as a table and explainable. So nothing
//! here does I/O or reads the clock: callers pass the principal, the facts about the
//! patient and the item, the grants and `now`, and get a level with a reason code.

pub mod principal;

pub use principal::{Principal, Purpose, SecurityLevel};
