//! The research-consent suite (issue 6 § 6): a consent lets the study's system read
//! the participant's data, a withdrawal stops it at once and marks the ResearchSubject
//! withdrawn, a refusal lets nothing through; parents consent for children under 16
//! only. Each backend crate runs it with `nordlys_testkit::research_tests!(…)`.
use nordlys_store::{FhirStore, StoreError, StudyOutcome};
use serde_json::{json, Value};

use crate::booking::{parent, patient, person};
use crate::fixtures::{citizen, hospital_system, observation, other_system, OTHER_ORG};

/// Generates one `#[tokio::test]` per scenario; `$make` produces a future of
/// `(a fresh, migrated FhirStore, a guard kept alive for the test)`.
#[macro_export]
macro_rules! research_tests {
    ($make:expr) => {
        $crate::research_tests!(@each $make;
            consent_opens_and_withdrawal_closes_at_once, declining_lets_nothing_through,
            parents_consent_for_children_under_sixteen_only,
            a_study_contacts_consenting_participants_only);
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = $make.await;
                $crate::research::$name(&store).await;
            }
        )*
    };
}

/// A ResearchStudy as a research system registers it: the consent text in `description`.
pub fn study(id: &str, title: &str, text: &str) -> Value {
    json!({"resourceType": "ResearchStudy", "id": id, "status": "active",
        "title": title, "description": text,
        "sponsor": {"identifier": {"system": nordlys_policy::ORGNR_SYSTEM, "value": OTHER_ORG}}})
}

async fn put(store: &FhirStore, ctx: &nordlys_store::RequestContext, resource: Value) {
    let rt = resource["resourceType"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let id = resource["id"].as_str().unwrap_or_default().to_string();
    if let Err(e) = store.update(ctx, &rt, &id, resource, None).await {
        panic!("put {rt}/{id}: {e:?}");
    }
}

/// The study's system (another organisation than the one that produced the data).
async fn research_reads(store: &FhirStore, id: &str) -> Result<(), String> {
    match store.read(&other_system(), "Observation", id).await {
        Ok(s) => {
            assert_eq!(s.id, id);
            Ok(())
        }
        Err(StoreError::NotFound { .. }) => Err("404".into()),
        Err(e) => Err(format!("{e:?}")),
    }
}

async fn subject_status(store: &FhirStore, id: &str) -> String {
    let s = store
        .read(&other_system(), "ResearchSubject", id)
        .await
        .unwrap_or_else(|e| panic!("the study reads its subject {id}: {e:?}"));
    let v: Value = serde_json::from_str(&s.body).unwrap_or_default();
    v["status"].as_str().unwrap_or_default().to_string()
}

fn status_of(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or_default();
    v["status"].as_str().unwrap_or_default().to_string()
}

fn ok(r: Result<StudyOutcome, StoreError>) -> StudyOutcome {
    r.unwrap_or_else(|e| panic!("{e:?}"))
}

fn broken(r: Result<StudyOutcome, StoreError>) -> String {
    match r {
        Err(StoreError::Invalid(issues)) => issues
            .iter()
            .map(|i| i.diagnostics.clone())
            .collect::<Vec<_>>()
            .join("; "),
        other => panic!("expected a broken rule (422), got {other:?}"),
    }
}

/// Consent → the study's system reads the Observation; withdraw → 404 at once, the
/// subject `withdrawn`, the Consent a new version `inactive`; withdrawing twice fails.
pub async fn consent_opens_and_withdrawal_closes_at_once(store: &FhirStore) {
    put(
        store,
        &other_system(),
        study("heart", "Hjertestudien", "Jeg samtykker …"),
    )
    .await;
    let (fnr, birth) = person(45, 1);
    put(store, &hospital_system(), patient("kari", &fnr, birth)).await;
    put(
        store,
        &hospital_system(),
        observation("kari-hb", "kari", "718-7", 13.1, "2026-10-01"),
    )
    .await;
    assert_eq!(research_reads(store, "kari-hb").await, Err("404".into()));
    let me = citizen(&fnr);

    let given = ok(store.consent_to_study(&me, "kari", "heart").await);
    assert_eq!(given.consent.id, given.subject.id, "one id for both");
    assert_eq!(status_of(&given.consent.body), "active");
    assert_eq!(given.subject.columns.owner_org.as_deref(), Some(OTHER_ORG));
    assert_eq!(research_reads(store, "kari-hb").await, Ok(()));
    assert_eq!(subject_status(store, &given.subject.id).await, "on-study");
    let choices = store
        .research_choices(&me, "kari")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let listed: Vec<(&str, Option<&str>)> = choices
        .iter()
        .map(|c| (c.study_id.as_str(), c.answer.as_deref()))
        .collect();
    assert_eq!(listed, vec![("heart", Some("on-study"))]);
    // The person's own answer is not news: the Observation is queued, the subject not.
    let queued: Vec<String> = store
        .outbox_of_patient(&hospital_system(), "kari")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"))
        .into_iter()
        .map(|e| e.item)
        .collect();
    assert_eq!(queued, vec!["Observation/kari-hb".to_string()]);

    let gone = ok(store.withdraw_from_study(&me, "kari", "heart").await);
    assert_eq!(gone.consent.id, given.consent.id);
    assert_eq!(gone.consent.version, given.consent.version + 1);
    assert_eq!(status_of(&gone.consent.body), "inactive");
    assert_eq!(research_reads(store, "kari-hb").await, Err("404".into()));
    assert_eq!(subject_status(store, &given.subject.id).await, "withdrawn");
    let twice = broken(store.withdraw_from_study(&me, "kari", "heart").await);
    assert!(twice.contains("no consent in force"), "{twice}");

    // Consenting again opens again; the hospital's own system was never affected.
    ok(store.consent_to_study(&me, "kari", "heart").await);
    assert_eq!(research_reads(store, "kari-hb").await, Ok(()));
    assert_eq!(subject_status(store, &given.subject.id).await, "on-study");
    // Nobody else answers for Kari, and systems answer for nobody.
    let (stranger, _) = person(50, 2);
    let other = store
        .withdraw_from_study(&citizen(&stranger), "kari", "heart")
        .await;
    assert!(
        matches!(other, Err(StoreError::NotFound { .. })),
        "{other:?}"
    );
    let system = store
        .consent_to_study(&other_system(), "kari", "heart")
        .await;
    assert!(
        matches!(system, Err(StoreError::Forbidden(_))),
        "{system:?}"
    );
    assert_eq!(research_reads(store, "kari-hb").await, Ok(()));
}

/// Declining writes a `rejected` Consent and a `not-registered` subject: nothing opens;
/// a study that no longer recruits cannot be joined.
pub async fn declining_lets_nothing_through(store: &FhirStore) {
    put(
        store,
        &other_system(),
        study("sleep", "Søvnstudien", "Jeg samtykker …"),
    )
    .await;
    let mut closed = study("old", "Avsluttet studie", "…");
    closed["status"] = json!("completed");
    put(store, &other_system(), closed).await;
    let (fnr, birth) = person(33, 3);
    put(store, &hospital_system(), patient("ola", &fnr, birth)).await;
    put(
        store,
        &hospital_system(),
        observation("ola-hb", "ola", "718-7", 14.0, "2026-10-02"),
    )
    .await;
    let me = citizen(&fnr);
    let no = ok(store.decline_study(&me, "ola", "sleep").await);
    assert_eq!(status_of(&no.consent.body), "rejected");
    assert_eq!(
        subject_status(store, &no.subject.id).await,
        "not-registered"
    );
    assert_eq!(research_reads(store, "ola-hb").await, Err("404".into()));
    let late = broken(store.consent_to_study(&me, "ola", "old").await);
    assert!(late.contains("does not recruit"), "{late}");
    let choices = store
        .research_choices(&me, "ola")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let listed: Vec<(&str, Option<&str>)> = choices
        .iter()
        .map(|c| (c.study_id.as_str(), c.answer.as_deref()))
        .collect();
    assert_eq!(listed, vec![("sleep", Some("not-registered"))]);
}

/// A parent consents for an 8-year-old and a 13-year-old (children under 16, § 8), not
/// for a 17-year-old, who consents themself; a 13-year-old cannot consent alone.
pub async fn parents_consent_for_children_under_sixteen_only(store: &FhirStore) {
    put(
        store,
        &other_system(),
        study("growth", "Vekststudien", "Jeg samtykker …"),
    )
    .await;
    let (mother, mb) = person(42, 4);
    for (id, years, n) in [("child", 8, 5), ("youth", 13, 6), ("young", 17, 7)] {
        let (fnr, birth) = person(years, n);
        put(store, &hospital_system(), patient(id, &fnr, birth)).await;
        put(
            store,
            &hospital_system(),
            parent(&format!("mother-of-{id}"), id, &mother, mb, birth),
        )
        .await;
        put(
            store,
            &hospital_system(),
            observation(&format!("{id}-obs"), id, "718-7", 12.0, "2026-10-03"),
        )
        .await;
        if id == "youth" {
            let alone = broken(store.consent_to_study(&citizen(&fnr), id, "growth").await);
            assert!(alone.contains("from 16"), "{alone}");
        }
        if id == "young" {
            let parent_try = store
                .consent_to_study(&citizen(&mother), id, "growth")
                .await;
            assert!(
                matches!(&parent_try, Err(StoreError::NotFound { resource_type, .. }) if resource_type == "Patient"),
                "{parent_try:?}"
            );
            assert_eq!(research_reads(store, "young-obs").await, Err("404".into()));
            ok(store.consent_to_study(&citizen(&fnr), id, "growth").await);
        } else {
            ok(store
                .consent_to_study(&citizen(&mother), id, "growth")
                .await);
        }
        assert_eq!(research_reads(store, &format!("{id}-obs")).await, Ok(()));
    }
}

/// A `form-request` the study sends a participant: `basedOn` names the study, which is
/// what makes it a study's contact (docs/access-policy.md, study contact) and puts it under the consent.
pub fn study_form_request(
    id: &str,
    patient: &str,
    questionnaire: &str,
    org: &str,
    orgnr: &str,
    study_id: &str,
) -> Value {
    let mut t = crate::forms::form_request(id, patient, questionnaire, org, orgnr);
    t["basedOn"] = json!([{"reference": format!("ResearchStudy/{study_id}")}]);
    t["description"] = json!("Studien ber deg fylle ut spørreskjemaet");
    t
}

/// A letter from the study (`context.related` names the study), plain text.
pub fn study_letter(id: &str, patient: &str, orgnr: &str, study_id: &str) -> Value {
    json!({"resourceType": "DocumentReference", "id": id, "status": "current",
        "type": {"text": "Brev fra studien"},
        "category": [{"coding": [{"system": crate::letters::CATEGORY_SYSTEM, "code": "letter"}]}],
        "subject": {"reference": format!("Patient/{patient}")},
        "date": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "description": "Informasjon til deltakerne i studien",
        "custodian": {"identifier": {"system": nordlys_policy::ORGNR_SYSTEM, "value": orgnr},
            "display": "Forskningsgruppen"},
        "context": {"related": [{"reference": format!("ResearchStudy/{study_id}")}]},
        "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
            "data": "VGFrayBmb3IgYXQgZHUgZGVsdGFyLg==", "title": "Brev fra studien"}}]})
}

async fn try_put(
    store: &FhirStore,
    ctx: &nordlys_store::RequestContext,
    resource: Value,
) -> Result<(), String> {
    let rt = resource["resourceType"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let id = resource["id"].as_str().unwrap_or_default().to_string();
    match store.update(ctx, &rt, &id, resource, None).await {
        Ok(_) => Ok(()),
        Err(StoreError::Invalid(issues)) => Err(issues
            .iter()
            .map(|i| i.diagnostics.clone())
            .collect::<Vec<_>>()
            .join("; ")),
        Err(e) => panic!("put {rt}/{id}: {e:?}"),
    }
}

async fn task_status(store: &FhirStore, id: &str) -> Option<String> {
    match store.read(&other_system(), "Task", id).await {
        Ok(s) => Some(status_of(&s.body)),
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => panic!("{e:?}"),
    }
}

/// The study sends a form request and a letter to a consenting participant only
/// (`nordlys_policy::may_send_for_study`); a withdrawal cancels the open request in the
/// same batch (found with `Task?based-on=ResearchStudy/…` on this backend) and closes
/// the contact; the study may still cancel what it sent.
pub async fn a_study_contacts_consenting_participants_only(store: &FhirStore) {
    put(
        store,
        &other_system(),
        study("diet", "Kostholdsstudien", "Jeg samtykker …"),
    )
    .await;
    let (fnr, birth) = person(38, 8);
    put(store, &hospital_system(), patient("per", &fnr, birth)).await;
    let (other, other_birth) = person(39, 9);
    put(
        store,
        &hospital_system(),
        patient("pia", &other, other_birth),
    )
    .await;
    let request = |id: &str, p: &str| study_form_request(id, p, "q", "study", OTHER_ORG, "diet");
    let refused = try_put(store, &other_system(), request("r0", "per")).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("no research consent in force")),
        "{refused:?}"
    );
    assert_eq!(task_status(store, "r0").await, None, "nothing written");

    ok(store.consent_to_study(&citizen(&fnr), "per", "diet").await);
    assert_eq!(
        try_put(store, &other_system(), request("r1", "per")).await,
        Ok(())
    );
    assert_eq!(
        try_put(store, &other_system(), request("r2", "per")).await,
        Ok(())
    );
    let letter = study_letter("l1", "per", OTHER_ORG, "diet");
    assert_eq!(try_put(store, &other_system(), letter).await, Ok(()));
    // Pia never consented; the hospital is not the study's organisation.
    assert!(try_put(store, &other_system(), request("r3", "pia"))
        .await
        .is_err());
    let letter = study_letter("l2", "pia", OTHER_ORG, "diet");
    assert!(try_put(store, &other_system(), letter).await.is_err());
    let hospital = study_form_request("r4", "per", "q", "h", crate::fixtures::HOSPITAL_ORG, "diet");
    assert!(try_put(store, &hospital_system(), hospital).await.is_err());
    assert_eq!(task_status(store, "r3").await, None);

    // The study closes r2 itself; withdrawing cancels the open r1 in the same batch.
    let mut done = request("r2", "per");
    done["status"] = json!("completed");
    assert_eq!(try_put(store, &other_system(), done).await, Ok(()));
    ok(store
        .withdraw_from_study(&citizen(&fnr), "per", "diet")
        .await);
    assert_eq!(task_status(store, "r1").await.as_deref(), Some("cancelled"));
    assert_eq!(task_status(store, "r2").await.as_deref(), Some("completed"));
    assert!(try_put(store, &other_system(), request("r5", "per"))
        .await
        .is_err());
    let mut cancel = request("r1", "per");
    cancel["status"] = json!("cancelled");
    assert_eq!(
        try_put(store, &other_system(), cancel).await,
        Ok(()),
        "closing stays open"
    );
}
