//! The flexible-dialog store suite on PostgreSQL, on its own fresh database: docs/dialog.md.
mod common;

nordlys_testkit::dialog_open_tests!(common::store());
