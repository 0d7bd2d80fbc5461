//! The notification outbox suite on SQLite (in memory).

nordlys_testkit::notify_tests!(nordlys_testkit::server::memory_store());
