//! History and the access-log hash chain on PostgreSQL.
mod common;

use std::time::Duration;

use common::{backend, commit, ctx, delete, put};
use nordlys_store::{Backend, HistoryQuery};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_newest_first_and_honours_since() {
    let (b, _guard) = backend().await;
    let pause = || tokio::time::sleep(Duration::from_millis(15));
    commit(&b, vec![put("Patient", "h1", json!({"n": 1}), vec![])]).await;
    pause().await;
    let v2 = commit(&b, vec![put("Patient", "h1", json!({"n": 2}), vec![])]).await;
    pause().await;
    commit(
        &b,
        vec![
            put("Patient", "h2", json!({}), vec![]),
            put("Observation", "x1", json!({}), vec![]),
        ],
    )
    .await;
    pause().await;
    commit(&b, vec![delete("Patient", "h1")]).await;

    let history = |q: HistoryQuery| {
        let b = b.clone();
        async move {
            let h = b
                .history(&ctx(), &q)
                .await
                .unwrap_or_else(|e| panic!("history {q:?}: {e:?}"));
            h.iter()
                .map(|r| format!("{}/{}/{}", r.resource_type, r.id, r.version))
                .collect::<Vec<_>>()
        }
    };
    let instance = HistoryQuery {
        resource_type: Some("Patient".into()),
        id: Some("h1".into()),
        count: 10,
        ..Default::default()
    };
    assert_eq!(
        history(instance).await,
        vec!["Patient/h1/3", "Patient/h1/2", "Patient/h1/1"]
    );
    let typed = HistoryQuery {
        resource_type: Some("Patient".into()),
        count: 10,
        ..Default::default()
    };
    assert_eq!(
        history(typed).await,
        vec![
            "Patient/h1/3",
            "Patient/h2/1",
            "Patient/h1/2",
            "Patient/h1/1"
        ]
    );
    let since = HistoryQuery {
        since: Some(v2[0].stored.last_updated),
        count: 10,
        ..Default::default()
    };
    assert_eq!(
        history(since).await,
        vec![
            "Patient/h1/3",
            "Observation/x1/1",
            "Patient/h2/1",
            "Patient/h1/2"
        ]
    );
    let page = HistoryQuery {
        count: 2,
        offset: 1,
        ..Default::default()
    };
    assert_eq!(
        history(page).await,
        vec!["Observation/x1/1", "Patient/h2/1"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chained_events_form_a_verifiable_chain() {
    let (b, _guard) = backend().await;
    let event = |id: &str| {
        let mut w = put("AuditEvent", id, json!({"action": "R"}), vec![]);
        w.chained = true;
        w
    };
    commit(
        &b,
        vec![
            event("e1"),
            put("Patient", "p1", json!({}), vec![]),
            event("e2"),
        ],
    )
    .await;
    // Concurrent appenders must serialise, not collide on the sequence number.
    let mut tasks = Vec::new();
    for i in 0..6 {
        let b = b.clone();
        tasks.push(tokio::spawn(async move {
            b.commit(&ctx(), vec![event(&format!("c{i}"))])
                .await
                .map(|_| ())
        }));
    }
    for t in tasks {
        let outcome = t
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| format!("{e:?}")));
        assert_eq!(outcome, Ok(()));
    }
    let links = b
        .audit_chain(&ctx(), 0, 100)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        links.iter().map(|l| l.seq).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<i64>>()
    );
    assert_eq!(
        (links[0].event_id.as_str(), links[1].event_id.as_str()),
        ("e1", "e2")
    );
    let mut state = (0, nordlys_store::audit::GENESIS.to_string());
    let mut report = nordlys_store::audit::ChainReport::default();
    nordlys_store::audit::verify_links(&links, &mut state, &mut report);
    assert_eq!((report.events, report.broken), (8, None));
    let after = b
        .audit_chain(&ctx(), 6, 100)
        .await
        .map(|l| l.iter().map(|l| l.seq).collect::<Vec<_>>())
        .ok();
    assert_eq!(after, Some(vec![7, 8]));
}
