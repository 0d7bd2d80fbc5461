//! The forms suite on SQLite (in memory): concurrent sends of one draft or request
//! deliver exactly once (issue 6 § 2).

nordlys_testkit::forms_tests!(nordlys_testkit::server::memory_store());
