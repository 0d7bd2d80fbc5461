//! The dialog store suite on PostgreSQL, on its own fresh database: docs/dialog.md.
mod common;

nordlys_testkit::dialog_tests!(common::store());
