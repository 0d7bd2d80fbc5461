//! The write path on a real PostgreSQL server: migrations, versions, preconditions
//! and atomicity (races between transactions: `concurrency.rs`).
mod common;

use common::{backend, commit, ctx, delete, put, token, with};
use nordlys_fhir::ParamType;
use nordlys_store::search::{Condition, SystemMatch};
use nordlys_store::{Backend, Clause, Precondition, ResourceKey, SearchPlan, StoreError};
use nordlys_store_postgres::PostgresBackend;
use serde_json::{json, Value};

fn key(rt: &str, id: &str) -> ResourceKey {
    ResourceKey::new(rt, id)
}

fn body(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrating_twice_is_harmless() {
    let (b, _guard) = backend().await;
    assert_eq!(
        b.schema_version().await.ok(),
        Some(PostgresBackend::latest_schema_version())
    );
    b.migrate()
        .await
        .unwrap_or_else(|e| panic!("second migrate: {e:?}"));
    assert_eq!(
        b.schema_version().await.ok(),
        Some(PostgresBackend::latest_schema_version())
    );
    commit(&b, vec![put("Patient", "p1", json!({}), vec![])]).await;
    b.migrate()
        .await
        .unwrap_or_else(|e| panic!("third migrate: {e:?}"));
    let read = b
        .read_current(&ctx(), &key("Patient", "p1"))
        .await
        .ok()
        .flatten()
        .map(|r| r.version);
    assert_eq!(read, Some(1), "migrating again keeps the data");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_stored_read_and_kept() {
    let (b, _guard) = backend().await;
    let first = commit(
        &b,
        vec![put("Patient", "p1", json!({"active": true}), vec![])],
    )
    .await;
    assert_eq!(
        first
            .iter()
            .map(|c| (c.stored.version, c.changed))
            .collect::<Vec<_>>(),
        vec![(1, true)]
    );
    let v1 = &first[0].stored;
    assert_eq!(body(&v1.body)["meta"]["versionId"], "1");
    assert_eq!(v1.columns.owner_org.as_deref(), Some("983974899"));

    let second = commit(
        &b,
        vec![put("Patient", "p1", json!({"active": false}), vec![])],
    )
    .await;
    assert_eq!(second[0].stored.version, 2);
    assert!(second[0].stored.last_updated >= v1.last_updated);

    let cur = b
        .read_current(&ctx(), &key("Patient", "p1"))
        .await
        .ok()
        .flatten();
    assert_eq!(
        cur.as_ref()
            .map(|r| (r.version, body(&r.body)["active"].clone())),
        Some((2, json!(false)))
    );
    assert_eq!(
        cur.as_ref().map(|r| &r.body),
        Some(&second[0].stored.body),
        "served text is the stored text"
    );
    let old = b
        .read_version(&ctx(), &key("Patient", "p1"), 1)
        .await
        .ok()
        .flatten();
    assert_eq!(old.map(|r| (r.version, r.body)), Some((1, v1.body.clone())));
    assert_eq!(
        b.read_version(&ctx(), &key("Patient", "p1"), 3)
            .await
            .ok()
            .flatten(),
        None
    );
    assert_eq!(
        b.read_current(&ctx(), &key("Patient", "nope"))
            .await
            .ok()
            .flatten(),
        None
    );

    // Unchanged content with skip_if_unchanged keeps the current version.
    let mut same = put("Patient", "p1", json!({"active": false}), vec![]);
    same.skip_if_unchanged = true;
    let kept = commit(&b, vec![same]).await;
    assert_eq!(
        kept.iter()
            .map(|c| (c.stored.version, c.changed))
            .collect::<Vec<_>>(),
        vec![(2, false)]
    );

    // Delete, delete again, delete what never existed.
    let gone = commit(&b, vec![delete("Patient", "p1")]).await;
    assert_eq!(
        gone.iter()
            .map(|c| (c.stored.version, c.stored.deleted, c.changed))
            .collect::<Vec<_>>(),
        vec![(3, true, true)]
    );
    let again = commit(&b, vec![delete("Patient", "p1")]).await;
    assert_eq!(
        again
            .iter()
            .map(|c| (c.stored.version, c.changed))
            .collect::<Vec<_>>(),
        vec![(3, false)]
    );
    assert_eq!(
        commit(&b, vec![delete("Patient", "never")]).await,
        vec![],
        "like SQLite: nothing to report"
    );
    let marker = b
        .read_current(&ctx(), &key("Patient", "p1"))
        .await
        .ok()
        .flatten();
    assert_eq!(
        marker.map(|r| (r.version, r.deleted, r.body)),
        Some((3, true, String::new()))
    );

    // Re-create after delete continues the version sequence.
    let back = commit(
        &b,
        vec![with(
            put("Patient", "p1", json!({}), vec![]),
            Precondition::MustNotExist,
        )],
    )
    .await;
    assert_eq!(back[0].stored.version, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_many_leaves_out_deleted_and_missing() {
    let (b, _guard) = backend().await;
    commit(
        &b,
        vec![
            put("Patient", "a", json!({}), vec![]),
            put("Patient", "b", json!({}), vec![]),
        ],
    )
    .await;
    commit(&b, vec![delete("Patient", "b")]).await;
    let keys: Vec<ResourceKey> = vec![
        key("Patient", "a"),
        key("Patient", "b"),
        key("Patient", "c"),
    ];
    let many = b
        .read_many(&ctx(), &keys)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        many.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        vec!["a"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn if_match_mismatch_writes_nothing() {
    let (b, _guard) = backend().await;
    commit(
        &b,
        vec![put("Patient", "p1", json!({"active": true}), vec![])],
    )
    .await;
    let stale = with(
        put("Patient", "p1", json!({"active": false}), vec![]),
        Precondition::VersionIs(5),
    );
    let r = b.commit(&ctx(), vec![stale]).await;
    assert!(matches!(r, Err(StoreError::PreconditionFailed(_))), "{r:?}");
    let missing = with(
        put("Patient", "p9", json!({}), vec![]),
        Precondition::VersionIs(1),
    );
    let r = b.commit(&ctx(), vec![missing]).await;
    assert!(matches!(r, Err(StoreError::PreconditionFailed(_))), "{r:?}");
    let hist = b
        .history(
            &ctx(),
            &nordlys_store::HistoryQuery {
                count: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        hist.iter()
            .map(|r| (r.id.as_str(), r.version))
            .collect::<Vec<_>>(),
        vec![("p1", 1)]
    );
    let ok = with(
        put("Patient", "p1", json!({"active": false}), vec![]),
        Precondition::VersionIs(1),
    );
    assert_eq!(commit(&b, vec![ok]).await[0].stored.version, 2);
}

fn code_plan(code: &str) -> SearchPlan {
    SearchPlan {
        resource_type: "Observation".into(),
        clauses: vec![Clause::Match {
            param: "code".into(),
            kind: ParamType::Token,
            any_of: vec![Condition::Token {
                system: SystemMatch::Any,
                code: Some(code.into()),
            }],
        }],
        sort: vec![],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_batch_leaves_nothing_behind() {
    let (b, _guard) = backend().await;
    commit(
        &b,
        vec![put(
            "Observation",
            "o1",
            json!({}),
            vec![token("code", Some("http://loinc.org"), "1")],
        )],
    )
    .await;
    let batch = vec![
        put(
            "Observation",
            "o2",
            json!({}),
            vec![token("code", Some("http://loinc.org"), "2")],
        ),
        put(
            "Observation",
            "o1",
            json!({"status": "final"}),
            vec![token("code", None, "2")],
        ),
        with(
            put("Observation", "o1", json!({}), vec![]),
            Precondition::VersionIs(1),
        ),
    ];
    let r = b.commit(&ctx(), batch).await;
    assert!(matches!(r, Err(StoreError::PreconditionFailed(_))), "{r:?}");
    assert_eq!(
        b.read_current(&ctx(), &key("Observation", "o2"))
            .await
            .ok()
            .flatten(),
        None
    );
    let o1 = b
        .read_current(&ctx(), &key("Observation", "o1"))
        .await
        .ok()
        .flatten();
    assert_eq!(o1.map(|r| r.version), Some(1));
    let hits = b
        .search(&ctx(), &code_plan("2"))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(hits.len(), 0, "no index row of the failed batch survives");
    let hits = b
        .search(&ctx(), &code_plan("1"))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        hits.iter().map(|h| h.key.id.as_str()).collect::<Vec<_>>(),
        vec!["o1"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_sees_its_own_writes_and_replaces_index_rows() {
    let (b, _guard) = backend().await;
    commit(
        &b,
        vec![put(
            "Observation",
            "o1",
            json!({}),
            vec![token("code", None, "old")],
        )],
    )
    .await;
    let out = commit(
        &b,
        vec![
            put(
                "Observation",
                "o1",
                json!({"n": 1}),
                vec![token("code", None, "mid")],
            ),
            put(
                "Observation",
                "o2",
                json!({}),
                vec![token("code", None, "new")],
            ),
            put(
                "Observation",
                "o1",
                json!({"n": 2}),
                vec![token("code", None, "new")],
            ),
            delete("Observation", "o2"),
        ],
    )
    .await;
    let got: Vec<(&str, i64, bool)> = out
        .iter()
        .map(|c| (c.stored.id.as_str(), c.stored.version, c.stored.deleted))
        .collect();
    assert_eq!(
        got,
        vec![
            ("o1", 2, false),
            ("o2", 1, false),
            ("o1", 3, false),
            ("o2", 2, true)
        ]
    );
    for (code, want) in [("old", vec![]), ("mid", vec![]), ("new", vec!["o1"])] {
        let hits = b
            .search(&ctx(), &code_plan(code))
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            hits.iter().map(|h| h.key.id.as_str()).collect::<Vec<_>>(),
            want,
            "code {code}"
        );
    }
}
