//! The research-consent suite on PostgreSQL (issue 6 § 6): each scenario on its own
//! fresh database, dropped when the scenario ends.
mod common;

nordlys_testkit::research_tests!(common::store());
