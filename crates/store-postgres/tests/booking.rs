//! The booking suite on PostgreSQL: each scenario on its own fresh database, dropped
//! when the scenario ends. The race here meets real row locks and concurrent
//! transactions.
mod common;

nordlys_testkit::booking_tests!(common::store());
