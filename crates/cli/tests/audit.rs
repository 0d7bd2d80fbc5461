//! `nordlys audit verify` as an operator runs it: on a fresh SQLite file with a few
//! logged accesses it reports the chain intact (exit 0); after someone edits an event
//! or removes a link directly in the database file it exits 1 and names the event.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use nordlys_store::{FhirStore, StoreConfig};
use nordlys_testkit::fixtures::{hospital_system, observation, patient, HOSPITAL_ORG};

fn nordlys(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nordlys"))
        .args(args)
        .env_remove("NORDLYS_DATABASE")
        .env_remove("RUST_LOG")
        .output()
        .expect("run nordlys")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nordlys-audit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Stores a patient and a lab result, then logs four accesses through the store as the
/// hospital's record system: three reads and one create (events 1–4, in that order).
/// Its own runtime, dropped at the end, so no connection stays open on the file.
fn write_events(db: &Path) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let backend = nordlys_store_sqlite::SqliteBackend::open(db).expect("open SQLite file");
        let store = FhirStore::new(Arc::new(backend), StoreConfig::default());
        store.migrate().await.expect("migrate");
        let p = patient("p1", "Nordmann", "Kari", "1972-09-13", "13097248022");
        let o = observation("o1", "p1", "2345-7", 5.4, "2026-10-01");
        let report = store
            .unchecked_import(vec![p, o], Some(HOSPITAL_ORG))
            .await
            .expect("import");
        assert_eq!(report.written, 2, "{report:?}");
        let ctx = hospital_system();
        for (rt, id) in [
            ("Patient", "p1"),
            ("Observation", "o1"),
            ("Observation", "o1"),
        ] {
            store.read(&ctx, rt, id).await.expect("read");
        }
        let o2 = observation("ignored", "p1", "2345-7", 6.1, "2026-10-02");
        store.create(&ctx, o2, None).await.expect("create");
    });
    drop(rt);
}

fn verify(db: &Path) -> Output {
    let url = format!("sqlite://{}", db.display());
    nordlys(&["audit", "verify", "--database", &url])
}

/// The AuditEvent id of chain link `seq`.
fn event_of(c: &rusqlite::Connection, seq: i64) -> String {
    c.query_row(
        "SELECT event_id FROM audit_chain WHERE seq = ?1",
        [seq],
        |r| r.get(0),
    )
    .expect("chain link")
}

#[test]
fn an_intact_log_is_reported_and_an_edited_event_is_named() {
    let dir = scratch("edit");
    let db = dir.join("nordlys.db");
    write_events(&db);
    let out = verify(&db);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "access log intact: 4 events");

    // Someone with access to the file changes what event 2 says (a success → a refusal).
    let c = rusqlite::Connection::open(&db).expect("open file");
    let id = event_of(&c, 2);
    let changed = c
        .execute(
            "UPDATE resource_versions SET body = replace(body, '\"outcome\":\"0\"', '\"outcome\":\"4\"') \
             WHERE res_type = 'AuditEvent' AND res_id = ?1 AND version = 1",
            [&id],
        )
        .expect("edit the event");
    assert_eq!(changed, 1);
    drop(c);
    let out = verify(&db);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stdout: {}", text(&out.stdout));
    assert_eq!(
        err.trim(),
        format!("error: access log BROKEN at event 2: AuditEvent/{id} does not match its hash")
    );
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_removed_link_is_named() {
    let dir = scratch("remove");
    let db = dir.join("nordlys.db");
    write_events(&db);
    assert_eq!(verify(&db).status.code(), Some(0));
    let c = rusqlite::Connection::open(&db).expect("open file");
    assert_eq!(
        c.execute("DELETE FROM audit_chain WHERE seq = 3", [])
            .expect("delete"),
        1
    );
    drop(c);
    let out = verify(&db);
    assert_eq!(out.status.code(), Some(1), "stdout: {}", text(&out.stdout));
    assert_eq!(
        text(&out.stderr).trim(),
        "error: access log BROKEN at event 4: events 3 to 3 are missing"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_file_fails_an_empty_log_is_intact_and_a_bad_url_fails() {
    let dir = scratch("empty");
    let db = dir.join("nordlys.db");
    let out = verify(&db);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a missing file is not an empty log"
    );
    assert_eq!(
        text(&out.stderr).trim(),
        format!("error: there is no database at {}", db.display())
    );
    assert!(!db.exists(), "verify must not create the database");
    let url = format!("sqlite://{}", db.display());
    assert_eq!(
        nordlys(&["migrate", "--database", &url]).status.code(),
        Some(0)
    );
    let out = verify(&db);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "access log intact: 0 events");
    let out = nordlys(&["audit", "verify", "--database", "mysql://x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--database must be sqlite://PATH"),
        "{}",
        text(&out.stderr)
    );
    let out = nordlys(&["audit"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a missing subcommand is a usage error"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
