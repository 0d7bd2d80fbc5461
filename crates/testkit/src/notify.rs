//! The notification outbox suite (access-policy.md § 11): exactly one entry per person
//! and item, decided with the read policy, with exact persons, items and due times.
//! Each backend crate runs it with
//! `nordlys_testkit::notify_tests!(async { (store, guard) });`.
use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use nordlys_fhir::ids::generate_fnr;
use nordlys_policy::{
    Principal, Purpose, FNR_SYSTEM, GRANT_KIND_SYSTEM, PARENTAL_RESPONSIBILITY_URL,
};
use nordlys_store::{FhirStore, OutboxEntry, RequestContext, StoreError};
use serde_json::{json, Value};

use crate::fixtures::{hospital_system, HOSPITAL_ORG};

/// Generates one `#[tokio::test]` per scenario; `$make` is an expression producing a
/// future of `(a fresh, migrated FhirStore, a guard kept alive for the test)` (the
/// guard drops a PostgreSQL test database; `()` on SQLite).
#[macro_export]
macro_rules! notify_tests {
    ($make:expr) => {
        $crate::notify_tests!(@each $make;
            adult_document_once, child_parents_only, youth_parents_after_parent_access,
            result_due_after_deferral_and_release, import_does_not_notify,
            concurrent_writes_queue_one_entry, grant_follow_up_survives_a_stop,
            do_not_notify_tag_is_respected, emergency_access_notifies_the_patient_once);
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = $make.await;
                $crate::notify::$name(&store).await;
            }
        )*
    };
}

const ROLE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
const HOME: &str = "Storgata 1";

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// A valid synthetic fødselsnummer for someone `years` old (born 1 March, or
/// earlier in the year so the age holds today), individual number `n`.
pub fn pid(years: i32, n: u16) -> (String, NaiveDate) {
    let t = today();
    let birth =
        NaiveDate::from_ymd_opt(t.year_ce().1 as i32 - years - 1, 1, 15).unwrap_or(NaiveDate::MIN);
    let individual = nordlys_fhir::ids::individual_range(birth.year_ce().1 as i32)
        .map(|r| *r.start() + n)
        .unwrap_or(n);
    let fnr = generate_fnr(birth, individual, true)
        .unwrap_or_else(|| panic!("no fnr for {birth} / {individual}"));
    (fnr, birth)
}

use chrono::Datelike;

fn address() -> Value {
    json!([{"use": "home", "type": "physical", "line": [HOME], "postalCode": "9010", "city": "Tromsø", "country": "NO"}])
}

pub fn patient(id: &str, fnr: &str, birth: NaiveDate) -> Value {
    json!({"resourceType": "Patient", "id": id,
        "identifier": [{"system": FNR_SYSTEM, "value": fnr}],
        "name": [{"family": "Nordmann", "given": [id]}],
        "birthDate": birth.format("%Y-%m-%d").to_string(), "address": address()})
}

/// A parent with parental responsibility since the child's birth, at the child's
/// address (the encoding of crates/synth `make::related_person`).
pub fn parent(id: &str, patient_id: &str, fnr: &str, birth: NaiveDate, since: NaiveDate) -> Value {
    json!({"resourceType": "RelatedPerson", "id": id, "active": true,
        "patient": {"reference": format!("Patient/{patient_id}")},
        "identifier": [{"use": "official", "system": FNR_SYSTEM, "value": fnr}],
        "relationship": [{"coding": [{"system": ROLE_SYSTEM, "code": "PRN"}]}],
        "name": [{"family": "Nordmann", "given": [id]}],
        "birthDate": birth.format("%Y-%m-%d").to_string(), "address": address(),
        "extension": [{"url": PARENTAL_RESPONSIBILITY_URL, "valueBoolean": true}],
        "period": {"start": since.format("%Y-%m-%d").to_string()}})
}

pub fn document(
    id: &str,
    patient_id: &str,
    date: &str,
    referral: Option<&str>,
    text: &str,
) -> Value {
    let mut r = json!({"resourceType": "DocumentReference", "id": id, "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
        "category": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/document-category", "code": "journal"}]}],
        "subject": {"reference": format!("Patient/{patient_id}")}, "date": date, "description": text,
        "content": [{"attachment": {"contentType": "text/plain", "data": "S2xpbmlzayBub3RhdA==", "title": "Notat"}}]});
    if let Some(r2) = referral {
        r["context"] = json!({"related": [{"reference": r2}]});
    }
    r
}

fn referral(id: &str, patient_id: &str, authored: &str) -> Value {
    json!({"resourceType": "ServiceRequest", "id": id, "status": "active", "intent": "order",
        "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "3457005"}]}],
        "code": {"text": "Henvisning"}, "subject": {"reference": format!("Patient/{patient_id}")},
        "authoredOn": authored})
}

fn lab_report(id: &str, patient_id: &str, issued: &str) -> Value {
    json!({"resourceType": "DiagnosticReport", "id": id, "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "LAB"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "11502-2"}]},
        "subject": {"reference": format!("Patient/{patient_id}")},
        "effectiveDateTime": issued, "issued": issued, "conclusion": "Normale funn"})
}

/// A clinician's grant (contract.md "Grants are Consent resources").
fn grant(
    id: &str,
    kind: &str,
    patient_id: &str,
    recorded: &str,
    actors: &[&str],
    level: Option<&str>,
    data: (&str, bool),
) -> Value {
    let mut provision = json!({"type": "permit", "period": {"start": recorded},
        "data": [{"meaning": if data.1 { "related" } else { "instance" }, "reference": {"reference": data.0}}]});
    if !actors.is_empty() {
        let list: Vec<Value> = actors
            .iter()
            .map(|a| json!({"role": {"coding": [{"system": ROLE_SYSTEM, "code": "PRN"}]}, "reference": {"reference": a}}))
            .collect();
        provision["actor"] = Value::Array(list);
    }
    if let Some(l) = level {
        provision["action"] = json!([{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/access-level", "code": l}]}]);
    }
    json!({"resourceType": "Consent", "id": id, "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": GRANT_KIND_SYSTEM, "code": kind}]}],
        "patient": {"reference": format!("Patient/{patient_id}")}, "dateTime": recorded,
        "performer": [{"reference": "Practitioner/ward-doctor"}],
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": provision})
}

fn clinician() -> RequestContext {
    RequestContext::new(Principal::Practitioner {
        hpr: "565501872".into(),
        orgnr: HOSPITAL_ORG.into(),
        purpose: Some(Purpose::Treat),
    })
}

pub fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn put_as(store: &FhirStore, ctx: &RequestContext, resource: Value) {
    let rt = resource["resourceType"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let id = resource["id"].as_str().unwrap_or_default().to_string();
    if let Err(e) = store.update(ctx, &rt, &id, resource, None).await {
        panic!("put {rt}/{id}: {e:?}");
    }
}

pub async fn put(store: &FhirStore, resource: Value) {
    put_as(store, &hospital_system(), resource).await;
}

async fn outbox(store: &FhirStore, patient_id: &str) -> Vec<OutboxEntry> {
    store
        .outbox_of_patient(&hospital_system(), patient_id)
        .await
        .unwrap_or_else(|e| panic!("outbox of {patient_id}: {e:?}"))
}

/// `(person, item, kind)` of every entry.
async fn pairs(store: &FhirStore, patient_id: &str) -> Vec<(String, String, String)> {
    outbox(store, patient_id)
        .await
        .into_iter()
        .map(|e| (e.person, e.item, e.kind))
        .collect()
}

fn row(person: &str, item: &str, kind: &str) -> (String, String, String) {
    (person.to_string(), item.to_string(), kind.to_string())
}

fn sorted(mut v: Vec<(String, String, String)>) -> Vec<(String, String, String)> {
    v.sort();
    v
}

/// (a) An adult's new document: one entry for the patient, due now; an update adds none.
pub async fn adult_document_once(store: &FhirStore) {
    let (fnr, birth) = pid(40, 1);
    let before = Utc::now().timestamp_millis();
    put(store, patient("adult", &fnr, birth)).await;
    put(
        store,
        document("doc-1", "adult", &instant(Utc::now()), None, "Notat"),
    )
    .await;
    let entries = outbox(store, "adult").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(
        (e.person.as_str(), e.item.as_str(), e.kind.as_str()),
        (fnr.as_str(), "DocumentReference/doc-1", "new-document")
    );
    assert_eq!(e.patient_id, "adult");
    assert!(
        e.due >= before && e.due <= Utc::now().timestamp_millis(),
        "due now: {e:?}"
    );
    assert_eq!((e.delivered, e.withdrawn, e.attempts), (None, None, 0));
    put(
        store,
        document(
            "doc-1",
            "adult",
            &instant(Utc::now()),
            None,
            "Notat, rettet",
        ),
    )
    .await;
    assert_eq!(outbox(store, "adult").await, entries);
    // A due entry is ready once, then delivered once.
    let ready = store
        .due_notifications(Utc::now(), 10)
        .await
        .unwrap_or_else(|e| panic!("due: {e:?}"));
    assert_eq!(
        ready.iter().map(|e| e.item.as_str()).collect::<Vec<_>>(),
        ["DocumentReference/doc-1"]
    );
    let again = store
        .due_notifications(Utc::now(), 10)
        .await
        .unwrap_or_default();
    assert_eq!(again.len(), 0);
    let delivered = store
        .mark_delivered(&fnr, "DocumentReference/doc-1", Utc::now())
        .await;
    assert!(matches!(delivered, Ok(true)), "{delivered:?}");
    let twice = store
        .mark_delivered(&fnr, "DocumentReference/doc-1", Utc::now())
        .await;
    assert!(matches!(twice, Ok(false)), "{twice:?}");
    let after = outbox(store, "adult").await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].attempts, 1);
    assert!(after[0].delivered.is_some());
}

/// (b) A child under 12: both parents get one entry each; the child and nobody else none.
pub async fn child_parents_only(store: &FhirStore) {
    let (child, child_birth) = pid(8, 2);
    let (mother, mb) = pid(38, 3);
    let (father, fb) = pid(39, 4);
    put(store, patient("child", &child, child_birth)).await;
    put(store, parent("mother", "child", &mother, mb, child_birth)).await;
    put(store, parent("father", "child", &father, fb, child_birth)).await;
    put(
        store,
        document("doc-c", "child", &instant(Utc::now()), None, "Notat"),
    )
    .await;
    assert_eq!(
        pairs(store, "child").await,
        sorted(vec![
            row(&mother, "DocumentReference/doc-c", "new-document"),
            row(&father, "DocumentReference/doc-c", "new-document"),
        ])
    );
}

/// (c) A youth 12–15: parents get nothing for a document until a clinician opens the
/// referral it is linked to; then one entry each (for the referral and the document);
/// writing the grant again adds none.
pub async fn youth_parents_after_parent_access(store: &FhirStore) {
    let (youth, yb) = pid(13, 5);
    let (mother, mb) = pid(40, 6);
    let (father, fb) = pid(41, 7);
    let now = instant(Utc::now() - Duration::hours(1));
    put(store, patient("youth", &youth, yb)).await;
    put(store, parent("mother", "youth", &mother, mb, yb)).await;
    put(store, parent("father", "youth", &father, fb, yb)).await;
    put(store, referral("ref-y", "youth", &now)).await;
    put(
        store,
        document(
            "doc-y",
            "youth",
            &now,
            Some("ServiceRequest/ref-y"),
            "Notat",
        ),
    )
    .await;
    assert_eq!(pairs(store, "youth").await, Vec::new());
    let consent = grant(
        "open-y",
        "parent-access",
        "youth",
        &now,
        &["RelatedPerson/mother", "RelatedPerson/father"],
        Some("full"),
        ("ServiceRequest/ref-y", true),
    );
    put_as(store, &clinician(), consent.clone()).await;
    let expected = sorted(vec![
        row(&mother, "DocumentReference/doc-y", "new-document"),
        row(&mother, "ServiceRequest/ref-y", "new-referral"),
        row(&father, "DocumentReference/doc-y", "new-document"),
        row(&father, "ServiceRequest/ref-y", "new-referral"),
    ]);
    assert_eq!(pairs(store, "youth").await, expected);
    let mut again = consent;
    again["dateTime"] = json!(instant(Utc::now()));
    put_as(store, &clinician(), again).await;
    assert_eq!(pairs(store, "youth").await, expected);
}

/// (c2) The process stops between a grant's commit and the decision of what it
/// opened (simulated: a store that leaves follow-ups to the scheduler). The marker
/// committed with the grant falls due and the scheduler queues the parents' entries;
/// running it again adds nothing, and markers never show as notifications.
pub async fn grant_follow_up_survives_a_stop(store: &FhirStore) {
    let (youth, yb) = pid(14, 15);
    let (mother, mb) = pid(42, 16);
    let now = instant(Utc::now() - Duration::hours(1));
    put(store, patient("youth2", &youth, yb)).await;
    put(store, parent("mother2", "youth2", &mother, mb, yb)).await;
    put(store, referral("ref-z", "youth2", &now)).await;
    put(
        store,
        document(
            "doc-z",
            "youth2",
            &now,
            Some("ServiceRequest/ref-z"),
            "Notat",
        ),
    )
    .await;
    assert_eq!(pairs(store, "youth2").await, Vec::new());
    let stopped = store.with_inline_follow_up(false);
    let consent = grant(
        "open-z",
        "parent-access",
        "youth2",
        &now,
        &["RelatedPerson/mother2"],
        Some("full"),
        ("ServiceRequest/ref-z", true),
    );
    put_as(&stopped, &clinician(), consent).await;
    assert_eq!(
        pairs(store, "youth2").await,
        Vec::new(),
        "nothing decided yet: the follow-up did not run"
    );
    // Not yet due: the commit's own follow-up still has its grace period.
    assert_eq!(
        store
            .due_notifications(Utc::now(), 500)
            .await
            .map(|r| r.len())
            .ok(),
        Some(0)
    );
    assert_eq!(pairs(store, "youth2").await, Vec::new());
    let later = Utc::now() + Duration::minutes(2);
    let ready = store
        .due_notifications(later, 500)
        .await
        .unwrap_or_else(|e| panic!("scheduler round: {e:?}"));
    let expected = sorted(vec![
        row(&mother, "DocumentReference/doc-z", "new-document"),
        row(&mother, "ServiceRequest/ref-z", "new-referral"),
    ]);
    assert_eq!(pairs(store, "youth2").await, expected);
    assert!(
        ready.iter().all(|e| !nordlys_store::notify::is_marker(e)),
        "{ready:?}"
    );
    store
        .due_notifications(later + Duration::minutes(1), 500)
        .await
        .unwrap_or_else(|e| panic!("second round: {e:?}"));
    assert_eq!(pairs(store, "youth2").await, expected, "exactly once");
}

/// (c3) § 11: an item tagged "do not notify" is announced to nobody, though it is
/// visible as ever; an untagged one beside it is announced.
pub async fn do_not_notify_tag_is_respected(store: &FhirStore) {
    let (fnr, birth) = pid(45, 20);
    put(store, patient("quiet", &fnr, birth)).await;
    let mut tagged = document("doc-quiet", "quiet", &instant(Utc::now()), None, "Notat");
    tagged["meta"] = json!({"tag": [{"system": nordlys_policy::NOTIFICATION_TAG_SYSTEM, "code": "do-not-notify"}]});
    put(store, tagged).await;
    put(
        store,
        document("doc-loud", "quiet", &instant(Utc::now()), None, "Notat"),
    )
    .await;
    assert_eq!(
        pairs(store, "quiet").await,
        vec![row(&fnr, "DocumentReference/doc-loud", "new-document")]
    );
}

/// (c4) § 9: emergency access (ETREAT) to another organisation's items queues one
/// notice to the patient per practitioner and day, however many reads; the owning
/// organisation's own emergency reads and ordinary reads queue none. The scheduler
/// marks the notice ready without re-deciding it as an item.
pub async fn emergency_access_notifies_the_patient_once(store: &FhirStore) {
    let (fnr, birth) = pid(55, 22);
    put(store, patient("emerg", &fnr, birth)).await;
    put(
        store,
        document("doc-e", "emerg", &instant(Utc::now()), None, "Notat"),
    )
    .await;
    let as_practitioner = |orgnr: &str, purpose: Purpose| {
        RequestContext::new(Principal::Practitioner {
            hpr: "565501872".into(),
            orgnr: orgnr.into(),
            purpose: Some(purpose),
        })
    };
    let own = as_practitioner(crate::fixtures::HOSPITAL_ORG, Purpose::EmergencyTreat);
    let other = as_practitioner(crate::fixtures::OTHER_ORG, Purpose::EmergencyTreat);
    let treat = as_practitioner(crate::fixtures::OTHER_ORG, Purpose::Treat);
    for ctx in [&own, &treat] {
        let _ = store.read(ctx, "DocumentReference", "doc-e").await;
    }
    let only_document = vec![row(&fnr, "DocumentReference/doc-e", "new-document")];
    assert_eq!(pairs(store, "emerg").await, only_document);
    for _ in 0..3 {
        store
            .read(&other, "DocumentReference", "doc-e")
            .await
            .unwrap_or_else(|e| panic!("emergency read: {e:?}"));
    }
    let day = nordlys_policy::oslo_today(Utc::now()).format("%Y-%m-%d");
    let notice = format!("Patient/emerg/$emergency/565501872/{day}");
    let mut expected = only_document;
    expected.push(row(&fnr, &notice, nordlys_store::notify::EMERGENCY_KIND));
    assert_eq!(pairs(store, "emerg").await, sorted(expected));
    let ready = store
        .due_notifications(Utc::now() + Duration::seconds(1), 500)
        .await
        .unwrap_or_else(|e| panic!("scheduler round: {e:?}"));
    assert!(
        ready.iter().any(|e| e.item == notice && e.person == fnr),
        "{ready:?}"
    );
}

/// (d) A lab result is deferred 14 days: its entry is due then, not now; a `release`
/// makes another report's entry due at once.
pub async fn result_due_after_deferral_and_release(store: &FhirStore) {
    let (fnr, birth) = pid(50, 8);
    let issued = Utc::now().trunc_subsecs(0);
    put(store, patient("lab", &fnr, birth)).await;
    put(store, lab_report("rep-1", "lab", &instant(issued))).await;
    let entries = outbox(store, "lab").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        (
            entries[0].person.as_str(),
            entries[0].item.as_str(),
            entries[0].kind.as_str()
        ),
        (fnr.as_str(), "DiagnosticReport/rep-1", "new-result")
    );
    let opens = issued + Duration::days(14);
    assert_eq!(entries[0].due, opens.timestamp_millis());
    let now = store
        .due_notifications(Utc::now(), 10)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(now.len(), 0, "{now:?}");
    // Another report, released by a clinician before its deferral ends: due at once.
    put(store, lab_report("rep-2", "lab", &instant(issued))).await;
    let released_at = Utc::now();
    put_as(
        store,
        &clinician(),
        grant(
            "rel-2",
            "release",
            "lab",
            &instant(released_at - Duration::seconds(1)),
            &[],
            None,
            ("DiagnosticReport/rep-2", false),
        ),
    )
    .await;
    let entries = outbox(store, "lab").await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    let rep2 = entries
        .iter()
        .find(|e| e.item == "DiagnosticReport/rep-2")
        .unwrap_or_else(|| panic!("{entries:?}"));
    assert!(
        rep2.due <= Utc::now().timestamp_millis(),
        "released: due now, {rep2:?}"
    );
    let ready = store
        .due_notifications(Utc::now(), 10)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        ready.iter().map(|e| e.item.as_str()).collect::<Vec<_>>(),
        ["DiagnosticReport/rep-2"]
    );
    let later = store
        .due_notifications(Utc::now() + Duration::days(15), 10)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        later
            .iter()
            .map(|e| (e.person.as_str(), e.item.as_str()))
            .collect::<Vec<_>>(),
        [(fnr.as_str(), "DiagnosticReport/rep-1")]
    );
}

/// (e) Bulk import notifies nobody.
pub async fn import_does_not_notify(store: &FhirStore) {
    let (fnr, birth) = pid(30, 9);
    let report = store
        .unchecked_import(
            vec![
                patient("imp", &fnr, birth),
                document("doc-i", "imp", &instant(Utc::now()), None, "Notat"),
            ],
            Some(HOSPITAL_ORG),
        )
        .await
        .unwrap_or_else(|e| panic!("import: {e:?}"));
    assert_eq!(report.written, 2);
    assert_eq!(outbox(store, "imp").await, Vec::new());
    // The same kind of write through the API does notify (the check above is not vacuous).
    put(
        store,
        document("doc-j", "imp", &instant(Utc::now()), None, "Notat"),
    )
    .await;
    assert_eq!(
        pairs(store, "imp").await,
        vec![row(&fnr, "DocumentReference/doc-j", "new-document")]
    );
}

/// (f) Concurrent writes of the same new item queue one entry.
pub async fn concurrent_writes_queue_one_entry(store: &FhirStore) {
    let (fnr, birth) = pid(35, 10);
    put(store, patient("race", &fnr, birth)).await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let doc = document(
                "doc-r",
                "race",
                &instant(Utc::now()),
                None,
                &format!("Versjon {i}"),
            );
            store
                .update(&hospital_system(), "DocumentReference", "doc-r", doc, None)
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(StoreError::Conflict(_))) => {}
            other => panic!("concurrent write: {other:?}"),
        }
    }
    assert!(ok >= 1, "at least one write went through");
    assert_eq!(
        pairs(store, "race").await,
        vec![row(&fnr, "DocumentReference/doc-r", "new-document")]
    );
}
