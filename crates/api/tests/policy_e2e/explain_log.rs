//! The access log (§ 11) as the patient sees it after refused reads, and the
//! `$explain` operation itself: who may ask, what it answers, how it fails.
use reqwest::StatusCode;
use serde_json::Value;

use super::support::{is_redacted, param, Demo, Deviations};

/// Access-log entries (AuditEvent) Kari sees about her record, as JSON.
async fn log_entries(d: &Demo, token: &str) -> Vec<Value> {
    let (status, bundle) = d
        .get("/fhir/AuditEvent?patient=child-13&_count=1000", token)
        .await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    bundle["entry"]
        .as_array()
        .map(|e| e.iter().map(|e| e["resource"].clone()).collect())
        .unwrap_or_default()
}

/// Entries with this outcome, by an agent with this identifier value, naming `item`.
fn entries_about<'a>(log: &'a [Value], outcome: &str, agent: &str, item: &str) -> Vec<&'a Value> {
    log.iter()
        .filter(|e| e["outcome"] == outcome)
        .filter(|e| {
            e["agent"]
                .as_array()
                .is_some_and(|a| a.iter().any(|a| a["who"]["identifier"]["value"] == agent))
        })
        .filter(|e| {
            e["entity"]
                .as_array()
                .is_some_and(|en| en.iter().any(|x| x["what"]["reference"] == item))
        })
        .collect()
}

#[tokio::test]
async fn the_access_log_records_the_mothers_refused_reads_and_the_explanation() {
    let d = Demo::start().await;
    let mut dev = Deviations::new("access log and $explain");
    let mother_pid = d.pid("mother");
    let mother = d.citizen("mother").await;
    let tried = [
        "DocumentReference/doc-child-13-gp-3",
        "DocumentReference/doc-child-13-bup-1",
    ];
    for item in tried {
        let (status, _) = d.get(&format!("/fhir/{item}"), &mother).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "the mother may not read {item}"
        );
    }
    let ward = d.clinician("ward-doctor", Some("TREAT")).await;
    let e = d
        .explain(&ward, "child-13", tried[0], &d.as_citizen("mother"))
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.body);
    dev.eq(
        "explain (mother, Kari's GP note from after 12)",
        (Some("none"), Some("parent.youth.default-closed")),
        (e.level.as_deref(), e.reason.as_deref()),
    );
    dev.check(
        "explain lists the mother's parent relation as held",
        e.body.to_string().contains(
            r#"{"name":"kind","valueCode":"parent"},{"name":"holds","valueBoolean":true}"#,
        ),
        &e.body,
    );

    // Kari (youth with consent) sees the log entries about items she sees (§ 6, § 11):
    // both refused reads (outcome 4) by her mother, and the ward doctor's explanation.
    let kari = d.citizen("child-13").await;
    let log = log_entries(&d, &kari).await;
    for item in tried {
        let refused = entries_about(&log, "4", &mother_pid, item);
        dev.eq(
            &format!("Kari's log: refused reads of {item} by her mother"),
            1,
            refused.len(),
        );
        for entry in refused {
            dev.check(
                "… shown as metadata (REDACTED) like the item",
                is_redacted(entry),
                entry,
            );
        }
    }
    let hpr = d.practitioner("ward-doctor").hpr.clone();
    dev.eq(
        "Kari's log: the ward doctor's $explain read of the GP note",
        1,
        entries_about(&log, "0", &hpr, tried[0]).len(),
    );
    // The mother does not see entries about what she may not see.
    let mothers_view = log_entries(&d, &mother).await;
    for item in tried {
        dev.eq(
            &format!("mother's view of the log: entries about {item}"),
            0,
            entries_about(&mothers_view, "4", &mother_pid, item).len(),
        );
    }
    dev.finish();
}

#[tokio::test]
async fn explain_is_for_health_personnel_and_answers_like_a_read() {
    let d = Demo::start().await;
    let kari = d.citizen("child-13").await;
    let (status, body) = d
        .get(
            "/fhir/Patient/child-13/$explain?item=DocumentReference/doc-child-13-gp-3",
            &kari,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "citizens may not ask: {body}"
    );
    let gp = d.clinician("gp-tromso", None).await;
    // The caller's own view when `as` is absent.
    let e = d
        .explain(&gp, "child-13", "DocumentReference/doc-child-13-gp-3", "")
        .await;
    assert_eq!(
        e.status,
        StatusCode::BAD_REQUEST,
        "an empty `as` is malformed: {}",
        e.body
    );
    let (status, body) = d
        .get(
            "/fhir/Patient/child-13/$explain?item=DocumentReference/doc-child-13-gp-3",
            &gp,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(param(&body, "level").as_deref(), Some("full"));
    assert_eq!(
        param(&body, "reason").as_deref(),
        Some("practitioner.own-org")
    );
    assert_eq!(body["resourceType"], "Parameters");
    // Unknown, not the patient's, or not visible to the caller: 404 like a read.
    for (patient, item) in [
        ("child-13", "DocumentReference/never-used-0"),
        ("child-8", "DocumentReference/doc-child-13-gp-3"),
    ] {
        let e = d.explain(&gp, patient, item, &d.as_citizen("mother")).await;
        assert_eq!(
            e.status,
            StatusCode::NOT_FOUND,
            "{patient} {item}: {}",
            e.body
        );
    }
    let cardiologist = d.clinician("cardiologist", None).await;
    let e = d
        .explain(
            &cardiologist,
            "child-13",
            "DocumentReference/doc-child-13-gp-3",
            &d.as_citizen("mother"),
        )
        .await;
    assert_eq!(
        e.status,
        StatusCode::NOT_FOUND,
        "a caller who may not read the item: {}",
        e.body
    );
    for bad in [
        "item=Nonsense",
        "item=DocumentReference/doc-child-13-gp-3&as=citizen:123",
        "item=DocumentReference/doc-child-13-gp-3&foo=1",
    ] {
        let (status, body) = d
            .get(&format!("/fhir/Patient/child-13/$explain?{bad}"), &gp)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
}
