//! The flexible-dialog store suite on SQLite (in memory): docs/dialog.md.

nordlys_testkit::dialog_open_tests!(nordlys_testkit::server::memory_store());
