//! The dialog store suite on SQLite (in memory): docs/dialog.md.

nordlys_testkit::dialog_tests!(nordlys_testkit::server::memory_store());
