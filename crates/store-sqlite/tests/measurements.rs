//! Home measurements (DHO) over HTTP on SQLite (in memory): the suite of
//! `nordlys_testkit::measurements` (1,000 readings in one Bundle, threshold Tasks, the
//! patient's view). The same suite runs on PostgreSQL in
//! `crates/store-postgres/tests/measurements.rs`.

nordlys_testkit::measurement_tests!(nordlys_testkit::server::memory_store());
