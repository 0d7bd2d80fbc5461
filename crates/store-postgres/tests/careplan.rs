//! The shared care plan suite over HTTP on PostgreSQL: each scenario on its own fresh
//! database, so the lost update and the second-active-plan race meet real row locks
//! and unique keys.
mod common;

nordlys_testkit::careplan_tests!(common::store());
