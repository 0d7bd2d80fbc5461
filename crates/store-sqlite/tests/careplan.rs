//! The shared care plan over HTTP on SQLite (in memory): the suite of
//! `nordlys_testkit::careplan` (lost update → one 412, Provenance, one active plan,
//! sharing consent, the patient's own parts). The same suite runs on PostgreSQL in
//! `crates/store-postgres/tests/careplan.rs`.

nordlys_testkit::careplan_tests!(nordlys_testkit::server::memory_store());
