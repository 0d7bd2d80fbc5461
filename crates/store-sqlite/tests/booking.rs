//! The booking suite on SQLite (in memory): the race and the rules of issue 6 § 1.

nordlys_testkit::booking_tests!(nordlys_testkit::server::memory_store());
