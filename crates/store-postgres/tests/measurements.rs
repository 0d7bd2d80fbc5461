//! Home measurements (DHO) over HTTP on PostgreSQL: the suite of
//! `nordlys_testkit::measurements`, each scenario on its own fresh database.
mod common;

nordlys_testkit::measurement_tests!(common::store());
