//! The research-consent suite on SQLite (in memory): issue 6 § 6.

nordlys_testkit::research_tests!(nordlys_testkit::server::memory_store());
