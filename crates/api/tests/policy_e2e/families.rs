//! The other citizens of the demo: parents of a child under 12 and of a 17-year-old, a
//! foster parent and a birth mother who is refused, a full proxy, and a citizen logged
//! in below security level high (§§ 2, 3, 6).
use reqwest::StatusCode;

use super::support::{
    bundle_items, bundle_resources, demo_record, expect_hidden, is_redacted, Demo, Deviations,
};

#[tokio::test]
async fn the_8_year_olds_parents_see_everything() {
    let d = Demo::start().await;
    let mut dev = Deviations::new("parents of Emma (8)");
    let record = demo_record(&d.region, "child-8");
    assert_eq!(record.len(), 13, "Emma's record in the demo: {record:?}");
    for parent in ["mother", "father"] {
        let t = d.citizen(parent).await;
        let (status, everything) = d.get("/fhir/Patient/child-8/$everything", &t).await;
        assert_eq!(status, StatusCode::OK, "{everything}");
        dev.same_set(
            &format!("{parent}: $everything of Emma"),
            &record,
            &bundle_items(&everything),
        );
        for (item, r) in bundle_resources(&everything) {
            dev.check(&format!("{parent}: {item} is full"), !is_redacted(&r), &r);
        }
        let (_, c) = d
            .get("/fhir/Observation?patient=child-8&_summary=count", &t)
            .await;
        dev.eq(
            &format!("{parent}: Emma's Observations, counted"),
            Some(1),
            c["total"].as_u64(),
        );
    }
    dev.finish();
}

#[tokio::test]
async fn the_17_year_olds_parents_see_nothing() {
    let d = Demo::start().await;
    let mut dev = Deviations::new("parents of Jonas (17)");
    let record: Vec<String> = demo_record(&d.region, "child-17").into_iter().collect();
    assert_eq!(record.len(), 7, "Jonas's record in the demo: {record:?}");
    // Jonas himself sees his record: the data is there.
    let jonas = d.citizen("child-17").await;
    let (_, c) = d
        .get(
            "/fhir/DocumentReference?patient=child-17&_summary=count",
            &jonas,
        )
        .await;
    assert_eq!(c["total"], 1, "Jonas sees his own note: {c}");
    for parent in ["mother", "father"] {
        let t = d.citizen(parent).await;
        let items: Vec<&str> = record.iter().map(String::as_str).collect();
        expect_hidden(&d, &mut dev, parent, &t, &items).await;
        let (status, body) = d.get("/fhir/Patient/child-17/$everything", &t).await;
        dev.eq(
            &format!("{parent}: $everything of Jonas"),
            StatusCode::NOT_FOUND,
            status,
        );
        dev.check(
            &format!("{parent}: $everything of Jonas is an OperationOutcome"),
            body["resourceType"] == "OperationOutcome",
            &body,
        );
        for query in [
            "DocumentReference?patient=child-17",
            "Immunization?patient=child-17",
            "Appointment?patient=child-17",
        ] {
            let (status, c) = d.get(&format!("/fhir/{query}&_summary=count"), &t).await;
            dev.eq(
                &format!("{parent}: {query} _summary=count"),
                (StatusCode::OK, Some(0)),
                (status, c["total"].as_u64()),
            );
        }
    }
    dev.finish();
}

#[tokio::test]
async fn the_foster_parent_sees_the_foster_child_and_the_birth_mother_nothing() {
    let d = Demo::start().await;
    let mut dev = Deviations::new("foster child Sara");
    let record = demo_record(&d.region, "foster-child");
    assert_eq!(record.len(), 8, "Sara's record in the demo: {record:?}");
    let marit = d.citizen("foster-parent").await;
    let (status, everything) = d
        .get("/fhir/Patient/foster-child/$everything", &marit)
        .await;
    assert_eq!(status, StatusCode::OK, "{everything}");
    dev.same_set(
        "foster parent: $everything of Sara",
        &record,
        &bundle_items(&everything),
    );
    for (item, r) in bundle_resources(&everything) {
        dev.check(
            &format!("foster parent: {item} is full"),
            !is_redacted(&r),
            &r,
        );
    }
    let line = d.citizen("birth-mother").await;
    let items: Vec<&str> = record.iter().map(String::as_str).collect();
    expect_hidden(&d, &mut dev, "birth mother", &line, &items).await;
    let (_, c) = d
        .get(
            "/fhir/DocumentReference?patient=foster-child&_summary=count",
            &line,
        )
        .await;
    dev.eq(
        "birth mother: Sara's documents, counted",
        Some(0),
        c["total"].as_u64(),
    );
    // Why: the address rule and the confidential address (§ 3), as explained.
    let gp = d.clinician("gp-tromso", None).await;
    let e = d
        .explain(
            &gp,
            "foster-child",
            "DocumentReference/doc-foster-child-gp-1",
            &d.as_citizen("birth-mother"),
        )
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.body);
    dev.eq(
        "explain (birth mother, Sara's note): level",
        Some("none"),
        e.level.as_deref(),
    );
    dev.check(
        "explain (birth mother): reason is the confidential address or the address rule",
        matches!(
            e.reason.as_deref(),
            Some("relation.parent.confidential-address" | "relation.parent.address-rule")
        ),
        &e.reason,
    );
    dev.check(
        "explain (birth mother): the refused parent relation is listed",
        e.body.to_string().contains("relation.parent."),
        &e.body,
    );
    dev.finish();
}

#[tokio::test]
async fn the_proxy_sees_what_a_full_proxy_may() {
    let d = Demo::start().await;
    let mut dev = Deviations::new("Ola, full proxy for his father Nils");
    let record = demo_record(&d.region, "elderly-father");
    assert_eq!(
        record.len(),
        77,
        "Nils's record in the demo: {}",
        record.len()
    );
    let ola = d.citizen("adult").await;
    let (status, everything) = d
        .get("/fhir/Patient/elderly-father/$everything", &ola)
        .await;
    assert_eq!(status, StatusCode::OK, "{everything}");
    // A full proxy sees as the patient (80) does: everything, in full.
    dev.same_set(
        "Ola: $everything of Nils",
        &record,
        &bundle_items(&everything),
    );
    for (item, r) in bundle_resources(&everything) {
        dev.check(&format!("Ola: {item} is full"), !is_redacted(&r), &r);
    }
    let (status, pdf) = d.get("/fhir/Binary/bin-elderly-nlsh-1", &ola).await;
    dev.eq(
        "Ola reads the PDF discharge summary (Binary) of Nils",
        StatusCode::OK,
        status,
    );
    dev.check(
        "the Binary has its content",
        pdf["data"].is_string(),
        pdf["resourceType"].clone(),
    );
    // Nils gave no proxy for anyone else: Ola sees nothing of Kari.
    let (status, _) = d.get("/fhir/Patient/child-13/$everything", &ola).await;
    dev.eq("Ola: $everything of Kari", StatusCode::NOT_FOUND, status);
    dev.finish();
}

#[tokio::test]
async fn a_citizen_below_security_level_high_gets_403() {
    let d = Demo::start().await;
    let pid = d.pid("adult");
    let high = d.citizen("adult").await;
    let (status, c) = d
        .get(
            "/fhir/DocumentReference?patient=adult&_summary=count",
            &high,
        )
        .await;
    assert_eq!(
        (status, c["total"].as_u64()),
        (StatusCode::OK, Some(4)),
        "at level high Ola sees his documents: {c}"
    );
    for acr in ["idporten-loa-substantial", "idporten-loa-low"] {
        let low =
            d.s.token(serde_json::json!({"kind": "citizen", "pid": pid, "acr": acr}))
                .await;
        for path in [
            "/fhir/DocumentReference?patient=adult",
            "/fhir/DocumentReference/doc-adult-gp-1",
            "/fhir/Patient/adult/$everything",
        ] {
            let (status, body) = d.get(path, &low).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{acr} {path}: {body}");
            assert_eq!(
                nordlys_testkit::server::outcome_code(&body),
                "forbidden",
                "{body}"
            );
        }
    }
}
