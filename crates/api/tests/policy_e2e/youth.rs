//! Kari (13) and her mother: the 12–15 rules of § 6, the parent-access grant a
//! clinician writes on the child-psychiatry referral (§ 8), and `$explain` (§ 12).
use reqwest::{Method, StatusCode};

use super::support::{
    bundle_items, bundle_resources, expect_hidden, has_attachment_content, is_redacted, set, Demo,
    Deviations, GrantSpec,
};

/// Kari's referral to child psychiatry (BUP) and everything linked to it (§ 4).
const REFERRAL_1: &[&str] = &[
    "ServiceRequest/referral-1",
    "ServiceRequest/referral-1-onward",
    "DocumentReference/letter-child-13-bup-1",
    "DocumentReference/doc-child-13-bup-1",
    "DocumentReference/doc-child-13-bup-2",
    "DocumentReference/doc-child-13-bup-3",
    "Encounter/enc-child-13-bup-1",
    "Encounter/enc-child-13-bup-2",
    "Appointment/appt-child-13-bup-1",
    "Appointment/appt-child-13-bup-2",
    "Appointment/appt-child-13-bup-3",
    "DiagnosticReport/dr-child-13-lab-1",
    "Observation/obs-child-13-hb-1",
    "Observation/obs-child-13-ferritin-1",
    "Observation/obs-child-13-tsh-1",
    "Communication/comm-child-13-1",
    "Communication/comm-child-13-2",
    "Communication/comm-child-13-3",
    "Binary/bin-child-13-bup-3",
];

/// What Kari's mother sees of Kari before any grant on referral-1 (§ 6, parent of a
/// youth): items dated before the 12th birthday (documents; NORN_FOR capped at
/// metadata), the asthma referral opened in full for both parents with what is linked
/// to it, the medication shared with parents, and Kari's name and age.
const MOTHER_SEES_OF_KARI: &[&str] = &[
    "Patient/child-13",
    "RelatedPerson/mother",
    "RelatedPerson/father",
    "DocumentReference/doc-child-13-gp-1",
    "DocumentReference/doc-child-13-gp-2",
    "ServiceRequest/referral-2",
    "Encounter/enc-child-13-barn-1",
    "Appointment/appt-child-13-barn-1",
    "DocumentReference/doc-child-13-barn-1",
    "DocumentReference/letter-child-13-barn-1",
    "MedicationStatement/medst-child-13-ventoline",
];

#[tokio::test]
async fn mother_of_the_13_year_old_sees_nothing_of_the_bup_referral_until_a_clinician_opens_it() {
    let d = Demo::start().await;
    let mut dev = Deviations::new("mother and Kari's BUP referral");
    let mother = d.citizen("mother").await;

    // Before any grant: reads of the referral and everything linked → 404 as if unknown.
    expect_hidden(&d, &mut dev, "mother", &mother, REFERRAL_1).await;
    let docs_before = set(&[
        "DocumentReference/doc-child-13-gp-1",
        "DocumentReference/doc-child-13-gp-2",
        "DocumentReference/doc-child-13-barn-1",
        "DocumentReference/letter-child-13-barn-1",
    ]);
    let (status, bundle) = d
        .get(
            "/fhir/DocumentReference?patient=child-13&_count=100",
            &mother,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    dev.same_set(
        "mother: DocumentReference search before the grant",
        &docs_before,
        &bundle_items(&bundle),
    );
    dev.eq(
        "mother: search total before the grant",
        Some(4),
        bundle["total"].as_u64(),
    );
    let (status, count) = d
        .get(
            "/fhir/DocumentReference?patient=child-13&_summary=count",
            &mother,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{count}");
    dev.eq(
        "mother: DocumentReference _summary=count before the grant",
        Some(4),
        count["total"].as_u64(),
    );
    for (query, n) in [
        ("ServiceRequest?patient=child-13", 1),
        ("DiagnosticReport?patient=child-13", 0),
        ("Communication?patient=child-13", 0),
    ] {
        let (_, c) = d
            .get(&format!("/fhir/{query}&_summary=count"), &mother)
            .await;
        dev.eq(
            &format!("mother: {query} _summary=count before the grant"),
            Some(n),
            c["total"].as_u64(),
        );
    }
    let (status, everything) = d.get("/fhir/Patient/child-13/$everything", &mother).await;
    dev.eq("mother: $everything status", StatusCode::OK, status);
    dev.same_set(
        "mother: $everything of Kari before the grant",
        &set(MOTHER_SEES_OF_KARI),
        &bundle_items(&everything),
    );
    let resources = bundle_resources(&everything);
    dev.check(
        "mother: Kari's Patient is name and age only (REDACTED)",
        resources.get("Patient/child-13").is_some_and(is_redacted),
        resources.get("Patient/child-13"),
    );
    dev.check(
        "mother: a document from before the 12th birthday is full",
        resources
            .get("DocumentReference/doc-child-13-gp-1")
            .is_some_and(|r| !is_redacted(r)),
        resources.get("DocumentReference/doc-child-13-gp-1"),
    );

    // $explain, asked by a treating practitioner of the holding organisation.
    let ward = d.clinician("ward-doctor", Some("TREAT")).await;
    let e = d
        .explain(
            &ward,
            "child-13",
            "DocumentReference/doc-child-13-bup-1",
            &d.as_citizen("mother"),
        )
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.body);
    dev.eq(
        "explain (mother, doc-child-13-bup-1) before the grant: level",
        Some("none"),
        e.level.as_deref(),
    );
    dev.eq(
        "explain (mother, doc-child-13-bup-1) before the grant: reason",
        Some("parent.youth.default-closed"),
        e.reason.as_deref(),
    );

    // The ward (UNN, which holds referral-1) opens it to the mother at metadata level.
    let grant = GrantSpec {
        kind: "parent-access",
        patient: "Patient/child-13",
        performer: "Practitioner/ward-doctor",
        provision_type: "permit",
        actors: &[("PRN", "RelatedPerson/mother")],
        action: Some("metadata"),
        data_related: Some("ServiceRequest/referral-1"),
    };
    let (status, created) = d
        .send(Method::POST, "/fhir/Consent", &ward, &grant.json())
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the ward writes parent-access: {created}"
    );
    let consent_id = created["id"].as_str().expect("Consent id").to_owned();

    // Opened at metadata: documents, results and encounters linked → metadata; the
    // referral, its appointments and the dialog → full (§ 6 "opened referral"); the
    // note labelled NORN_FORANS stays hidden; the onward referral is inside the 10-day
    // paediatric deferral (written 3 days ago); content (Binary) stays hidden.
    let opened_meta = set(&[
        "DocumentReference/letter-child-13-bup-1",
        "DocumentReference/doc-child-13-bup-1",
        "DocumentReference/doc-child-13-bup-3",
        "Encounter/enc-child-13-bup-1",
        "Encounter/enc-child-13-bup-2",
        "DiagnosticReport/dr-child-13-lab-1",
        "Observation/obs-child-13-hb-1",
        "Observation/obs-child-13-ferritin-1",
        "Observation/obs-child-13-tsh-1",
    ]);
    let opened_full = set(&[
        "ServiceRequest/referral-1",
        "Appointment/appt-child-13-bup-1",
        "Appointment/appt-child-13-bup-2",
        "Appointment/appt-child-13-bup-3",
        "Communication/comm-child-13-1",
        "Communication/comm-child-13-2",
        "Communication/comm-child-13-3",
        // Kari's dialog thread with BUP on the referral (docs/dialog.md).
        "Task/dialog-child-13-1",
        "Communication/dialog-child-13-1-1",
    ]);
    let (_, everything) = d.get("/fhir/Patient/child-13/$everything", &mother).await;
    let mut expected = set(MOTHER_SEES_OF_KARI);
    expected.extend(opened_meta.iter().cloned());
    expected.extend(opened_full.iter().cloned());
    dev.same_set(
        "mother: $everything after parent-access (metadata)",
        &expected,
        &bundle_items(&everything),
    );
    let resources = bundle_resources(&everything);
    for item in &opened_meta {
        if let Some(r) = resources.get(item) {
            dev.check(
                &format!("mother: {item} is metadata (REDACTED, no attachment content)"),
                is_redacted(r) && !has_attachment_content(r),
                r,
            );
        }
    }
    for item in &opened_full {
        if let Some(r) = resources.get(item) {
            dev.check(&format!("mother: {item} is full"), !is_redacted(r), r);
        }
    }
    expect_hidden(
        &d,
        &mut dev,
        "mother (opened at metadata)",
        &mother,
        &[
            "DocumentReference/doc-child-13-bup-2",
            "ServiceRequest/referral-1-onward",
            "Binary/bin-child-13-bup-3",
        ],
    )
    .await;
    let (_, count) = d
        .get(
            "/fhir/DocumentReference?patient=child-13&_summary=count",
            &mother,
        )
        .await;
    dev.eq(
        "mother: DocumentReference _summary=count after parent-access (metadata)",
        Some(7),
        count["total"].as_u64(),
    );
    let e = d
        .explain(
            &ward,
            "child-13",
            "DocumentReference/doc-child-13-bup-1",
            &d.as_citizen("mother"),
        )
        .await;
    dev.eq(
        "explain (mother, doc-child-13-bup-1) after the grant: level",
        Some("metadata"),
        e.level.as_deref(),
    );
    dev.eq(
        "explain (mother, doc-child-13-bup-1) after the grant: reason",
        Some("parent.youth.opened-referral"),
        e.reason.as_deref(),
    );

    // The ward raises the grant to full (a new version of the same Consent).
    let mut full = grant.json();
    full["id"] = serde_json::json!(consent_id);
    full["provision"]["action"][0]["coding"][0]["code"] = serde_json::json!("full");
    let (status, body) = d
        .send(
            Method::PUT,
            &format!("/fhir/Consent/{consent_id}"),
            &ward,
            &full,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the ward raises the grant: {body}");
    let (status, doc) = d
        .get("/fhir/DocumentReference/doc-child-13-bup-3", &mother)
        .await;
    dev.eq(
        "mother: doc-child-13-bup-3 readable after parent-access (full)",
        StatusCode::OK,
        status,
    );
    dev.check(
        "mother: doc-child-13-bup-3 is full (not REDACTED)",
        !is_redacted(&doc) && doc["resourceType"] == "DocumentReference",
        &doc,
    );
    let (status, pdf) = d.get("/fhir/Binary/bin-child-13-bup-3", &mother).await;
    dev.eq(
        "mother: the PDF (Binary) of doc-child-13-bup-3 at full",
        StatusCode::OK,
        status,
    );
    dev.check(
        "mother: the Binary has its content",
        pdf["data"].is_string(),
        pdf["resourceType"].clone(),
    );
    expect_hidden(
        &d,
        &mut dev,
        "mother (opened in full)",
        &mother,
        &["DocumentReference/doc-child-13-bup-2"],
    )
    .await;
    let e = d
        .explain(
            &ward,
            "child-13",
            "DocumentReference/doc-child-13-bup-1",
            &d.as_citizen("mother"),
        )
        .await;
    dev.eq(
        "explain (mother, doc-child-13-bup-1) after the full grant: level",
        Some("full"),
        e.level.as_deref(),
    );
    dev.eq(
        "explain (mother, doc-child-13-bup-1) after the full grant: reason",
        Some("parent.youth.opened-referral"),
        e.reason.as_deref(),
    );
    let e = d
        .explain(
            &ward,
            "child-13",
            "DocumentReference/doc-child-13-bup-2",
            &d.as_citizen("mother"),
        )
        .await;
    dev.eq(
        "explain (mother, NORN_FORANS note) after the full grant",
        (Some("none"), Some("label.NORN_FORANS")),
        (e.level.as_deref(), e.reason.as_deref()),
    );
    dev.finish();
}

#[tokio::test]
async fn the_13_year_old_sees_her_documents_as_metadata() {
    let d = Demo::start().await;
    let mut dev = Deviations::new("Kari (13) sees her documents as metadata");
    let kari = d.citizen("child-13").await;
    // § 6 "youth self, parental consent given": documents and letters metadata, the
    // patient unaffected by NORN_FORANS, NORN_FOR a metadata cap.
    let all_docs = set(&[
        "DocumentReference/doc-child-13-gp-1",
        "DocumentReference/doc-child-13-gp-2",
        "DocumentReference/doc-child-13-gp-3",
        "DocumentReference/letter-child-13-bup-1",
        "DocumentReference/doc-child-13-bup-1",
        "DocumentReference/doc-child-13-bup-2",
        "DocumentReference/doc-child-13-bup-3",
        "DocumentReference/doc-child-13-barn-1",
        "DocumentReference/letter-child-13-barn-1",
    ]);
    let (status, bundle) = d
        .get("/fhir/DocumentReference?patient=child-13&_count=100", &kari)
        .await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    dev.same_set(
        "Kari: her DocumentReferences",
        &all_docs,
        &bundle_items(&bundle),
    );
    for (item, r) in bundle_resources(&bundle) {
        dev.check(
            &format!("Kari: {item} is metadata (REDACTED, no attachment content)"),
            is_redacted(&r) && !has_attachment_content(&r),
            &r,
        );
        dev.check(
            &format!("Kari: {item} keeps its title/type/date"),
            r["type"].is_object() && r["date"].is_string(),
            &r,
        );
    }
    let (status, doc) = d
        .get("/fhir/DocumentReference/doc-child-13-gp-3", &kari)
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert!(
        is_redacted(&doc),
        "read of a document by Kari is REDACTED: {doc}"
    );
    assert!(
        !has_attachment_content(&doc),
        "no attachment content: {doc}"
    );
    expect_hidden(&d, &mut dev, "Kari", &kari, &["Binary/bin-child-13-bup-3"]).await;
    // Referrals and appointments are full for the youth (§ 6); the onward referral is deferred.
    for item in [
        "ServiceRequest/referral-1",
        "ServiceRequest/referral-2",
        "Appointment/appt-child-13-bup-3",
    ] {
        let (status, r) = d.get(&format!("/fhir/{item}"), &kari).await;
        dev.eq(
            &format!("Kari reads {item}"),
            (StatusCode::OK, false),
            (status, is_redacted(&r)),
        );
    }
    expect_hidden(
        &d,
        &mut dev,
        "Kari",
        &kari,
        &["ServiceRequest/referral-1-onward"],
    )
    .await;
    dev.finish();
}
