//! Practitioners (§ 9) and the patient's blocks (§ 8) on the demo region, with the
//! explanations (§ 12) a colleague would ask for.
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{expect_hidden, is_redacted, param, Demo, Deviations, GrantSpec};

#[tokio::test]
async fn a_practitioner_of_another_organisation_needs_a_care_relationship() {
    let d = Demo::start().await;
    let mut dev = Deviations::new("§ 9 care relationship");
    // The cardiologist (Nordlandssykehuset) produced nothing in Kari's record.
    let no_purpose = d.clinician("cardiologist", None).await;
    expect_hidden(
        &d,
        &mut dev,
        "cardiologist without purpose",
        &no_purpose,
        &["DocumentReference/doc-child-13-gp-3"],
    )
    .await;
    let (status, body) = d
        .get("/fhir/DocumentReference?patient=child-13", &no_purpose)
        .await;
    dev.eq(
        "cardiologist without purpose searches Kari's documents: status (§ 9: 403)",
        StatusCode::FORBIDDEN,
        status,
    );
    dev.check(
        "… with an OperationOutcome",
        body["resourceType"] == "OperationOutcome",
        &body,
    );

    let treat = d.clinician("cardiologist", Some("TREAT")).await;
    let (status, doc) = d
        .get("/fhir/DocumentReference/doc-child-13-gp-3", &treat)
        .await;
    dev.eq(
        "cardiologist TREAT reads Kari's GP note",
        (StatusCode::OK, false),
        (status, is_redacted(&doc)),
    );
    let (status, c) = d
        .get(
            "/fhir/DocumentReference?patient=child-13&_summary=count",
            &treat,
        )
        .await;
    // Labels and deferrals are for citizens: all nine documents, NORN_FORANS included.
    dev.eq(
        "cardiologist TREAT counts Kari's documents",
        (StatusCode::OK, Some(9)),
        (status, c["total"].as_u64()),
    );

    // UNN's own items need no purpose; nor does the referral UNN's BUP ward holds.
    let ward = d.clinician("ward-doctor", None).await;
    let (status, doc) = d
        .get("/fhir/DocumentReference/doc-child-13-bup-1", &ward)
        .await;
    dev.eq(
        "ward doctor (UNN) without purpose reads UNN's note",
        (StatusCode::OK, false),
        (status, is_redacted(&doc)),
    );
    let (status, body) = d.get("/fhir/ServiceRequest/referral-1", &ward).await;
    dev.eq("ward doctor (UNN) without purpose reads the referral held by UNN's BUP ward (§ 9 referral holder)", StatusCode::OK, status);
    dev.check(
        "… in full",
        !is_redacted(&body) && body["resourceType"] == "ServiceRequest",
        &body,
    );

    let gp = d.clinician("gp-tromso", None).await;
    let e = d
        .explain(
            &gp,
            "child-13",
            "DocumentReference/doc-child-13-gp-3",
            &d.as_clinician("cardiologist", None),
        )
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.body);
    dev.eq(
        "explain (cardiologist without purpose, GP note)",
        (Some("none"), Some("practitioner.no-care-relationship")),
        (e.level.as_deref(), e.reason.as_deref()),
    );
    let e = d
        .explain(
            &gp,
            "child-13",
            "DocumentReference/doc-child-13-gp-3",
            &d.as_clinician("cardiologist", Some("TREAT")),
        )
        .await;
    dev.eq(
        "explain (cardiologist TREAT, GP note)",
        (Some("full"), Some("practitioner.care-relationship")),
        (e.level.as_deref(), e.reason.as_deref()),
    );
    let e = d
        .explain(
            &gp,
            "child-13",
            "DocumentReference/doc-child-13-gp-3",
            &d.as_clinician("gp-tromso", None),
        )
        .await;
    dev.eq(
        "explain (the GP for herself, own note)",
        (Some("full"), Some("practitioner.own-org")),
        (e.level.as_deref(), e.reason.as_deref()),
    );
    dev.finish();
}

#[tokio::test]
async fn a_hard_block_hides_items_from_other_organisations_even_in_emergencies() {
    let d = Demo::start().await;
    let mut dev = Deviations::new("Ola's block");
    let item = "DocumentReference/doc-adult-gp-1";
    let treat = d.clinician("cardiologist", Some("TREAT")).await;
    let etreat = d.clinician("cardiologist", Some("ETREAT")).await;
    let (status, _) = d.get(&format!("/fhir/{item}"), &treat).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "before the block the cardiologist (TREAT) reads Ola's GP note"
    );

    // Ola (41) blocks all practitioners outside the producing organisation, hard.
    let ola = d.citizen("adult").await;
    let block = GrantSpec {
        kind: "block",
        patient: "Patient/adult",
        performer: "Patient/adult",
        provision_type: "deny",
        actors: &[],
        action: Some("hard"),
        data_related: None,
    };
    let (status, created) = d
        .send(Method::POST, "/fhir/Consent", &ola, &block.json())
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "Ola writes a hard block: {created}"
    );
    let block_id = created["id"].as_str().expect("Consent id").to_owned();

    expect_hidden(
        &d,
        &mut dev,
        "cardiologist TREAT under a hard block",
        &treat,
        &[item],
    )
    .await;
    expect_hidden(
        &d,
        &mut dev,
        "cardiologist ETREAT under a hard block",
        &etreat,
        &[item],
    )
    .await;
    let (status, c) = d
        .get(
            "/fhir/DocumentReference?patient=adult&_summary=count",
            &etreat,
        )
        .await;
    dev.eq(
        "cardiologist ETREAT counts Ola's documents under a hard block",
        (StatusCode::OK, Some(0)),
        (status, c["total"].as_u64()),
    );
    // The producing organisations are never blocked: the GP office its four, UNN its note.
    let gp = d.clinician("gp-tromso", None).await;
    let (status, doc) = d.get(&format!("/fhir/{item}"), &gp).await;
    dev.eq(
        "the GP (producer) reads her own note under the block",
        (StatusCode::OK, false),
        (status, is_redacted(&doc)),
    );
    let unn = d.clinician("med-doctor", Some("TREAT")).await;
    let (status, _) = d.get("/fhir/DocumentReference/doc-adult-med-1", &unn).await;
    dev.eq(
        "UNN reads its own note under the block",
        StatusCode::OK,
        status,
    );
    expect_hidden(
        &d,
        &mut dev,
        "UNN TREAT, the GP's note under the block",
        &unn,
        &[item],
    )
    .await;
    let e = d
        .explain(
            &gp,
            "adult",
            item,
            &d.as_clinician("cardiologist", Some("ETREAT")),
        )
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.body);
    dev.eq(
        "explain (cardiologist ETREAT, hard block)",
        (Some("none"), Some("block.hard")),
        (e.level.as_deref(), e.reason.as_deref()),
    );

    // Ola softens it: emergency access passes (and the patient is told), TREAT does not.
    let mut soft = block.json();
    soft["id"] = json!(block_id);
    soft["provision"]["action"][0]["coding"][0]["code"] = json!("soft");
    let (status, body) = d
        .send(
            Method::PUT,
            &format!("/fhir/Consent/{block_id}"),
            &ola,
            &soft,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "Ola softens the block: {body}");
    expect_hidden(
        &d,
        &mut dev,
        "cardiologist TREAT under a soft block",
        &treat,
        &[item],
    )
    .await;
    let (status, doc) = d.get(&format!("/fhir/{item}"), &etreat).await;
    dev.eq(
        "cardiologist ETREAT reads through a soft block",
        (StatusCode::OK, false),
        (status, is_redacted(&doc)),
    );
    let e = d
        .explain(
            &gp,
            "adult",
            item,
            &d.as_clinician("cardiologist", Some("ETREAT")),
        )
        .await;
    dev.eq(
        "explain (cardiologist ETREAT, soft block)",
        (Some("full"), Some("practitioner.emergency.soft-block")),
        (e.level.as_deref(), e.reason.as_deref()),
    );
    dev.eq(
        "explain: the patient is notified of emergency access",
        Some("true"),
        param(&e.body, "notifyPatient").as_deref(),
    );
    dev.finish();
}
