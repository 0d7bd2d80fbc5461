//! The access policy end to end: the real server, the demo region loaded as `nordlys
//! demo` loads it, real dev tokens, and the scenarios of access-policy.md on the demo
//! cast (crates/synth/README.md), with exact ids and counts.
//!
//! Why over HTTP and on the demo: the policy crate's table tests prove decisions; these
//! prove that every channel (read, search, `_summary=count`, `$everything`, writes of
//! grants, the access log, `$explain`) applies them to real data the way a person
//! logging in would meet them. Expectations are the spec's; where the server answers
//! otherwise the test fails with the list of deviations (see `support::Deviations`).
//! Citizens are in `youth` and `families`; practitioners and blocks in `clinicians`;
//! the access log and the `$explain` operation itself in `explain_log`.
#[path = "policy_e2e/clinicians.rs"]
mod clinicians;
#[path = "policy_e2e/explain_log.rs"]
mod explain_log;
#[path = "policy_e2e/families.rs"]
mod families;
#[path = "policy_e2e/support.rs"]
mod support;
#[path = "policy_e2e/youth.rs"]
mod youth;
