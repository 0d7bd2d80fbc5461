//! The notification outbox suite on PostgreSQL: each scenario on its own fresh
//! database, dropped when the scenario ends.
mod common;

nordlys_testkit::notify_tests!(common::store());
