//! The forms suite on PostgreSQL: each scenario on its own fresh database; the
//! concurrent sends meet real row locks (issue 6 § 2).
mod common;

nordlys_testkit::forms_tests!(common::store());
