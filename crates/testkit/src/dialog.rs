//! Fixtures of digital dialog (issue 5 § 4), shared by the HTTP tests of the API,
//! the portal and the workspace: a ward that offers dialog (with a phone number and a
//! promised answer time), a unit that does not, and a family — an adult with a
//! Helsekontakt, a youth of 13 (parental consent given) and a child of 8, each with a
//! referral to the ward, the youth's and the child's parent.
use serde_json::{json, Value};

use crate::booking::{parent, patient, person};
use crate::fixtures::HOSPITAL_ORG;
use crate::server::TestServer;

/// The ward that offers dialog, and one that does not.
pub const WARD: &str = "dialog-ward";
pub const NO_DIALOG_UNIT: &str = "quiet-unit";
/// The ward's phone number (named in every "call instead" answer).
pub const WARD_PHONE: &str = "77 62 60 00";
/// The HPR number and name of the ward's nurse in these tests.
pub const NURSE_HPR: &str = "565501872";

/// The people of the dialog fixtures, with their national ids.
pub struct DialogFamily {
    pub adult: String,
    pub youth: String,
    pub child: String,
    pub parent: String,
}

fn unit(id: &str, name: &str, offers: bool) -> Value {
    let mut ext = vec![json!({"url": nordlys_store::dialog::ANSWER_DAYS_URL, "valueInteger": 2})];
    if offers {
        ext.push(json!({"url": nordlys_store::dialog::DIALOG_OFFERED_URL, "valueBoolean": true}));
    }
    json!({"resourceType": "Organization", "id": id, "active": true, "name": name,
        "identifier": [{"system": nordlys_policy::ORGNR_SYSTEM, "value": HOSPITAL_ORG}],
        "telecom": [{"system": "phone", "value": WARD_PHONE}], "extension": ext})
}

/// A referral of `patient_id` to `unit`.
pub fn referral_to(id: &str, patient_id: &str, unit: &str) -> Value {
    json!({"resourceType": "ServiceRequest", "id": id, "status": "active", "intent": "order",
        "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "3457005"}]}],
        "code": {"text": "Henvisning"}, "subject": {"reference": format!("Patient/{patient_id}")},
        "performer": [{"reference": format!("Organization/{unit}")}],
        "authoredOn": "2026-01-05"})
}

/// A course of care at `unit` with a named contact (Helsekontakt).
pub fn episode(id: &str, patient_id: &str, unit: &str, contact: &str, referral: &str) -> Value {
    json!({"resourceType": "EpisodeOfCare", "id": id, "status": "active",
        "patient": {"reference": format!("Patient/{patient_id}")},
        "managingOrganization": {"reference": format!("Organization/{unit}")},
        "referralRequest": [{"reference": format!("ServiceRequest/{referral}")}],
        "careManager": {"reference": "Practitioner/dialog-nurse", "display": contact}})
}

/// The youth's parental consent (the portal is open to them).
fn parental_consent(patient_id: &str) -> Value {
    json!({"resourceType": "Consent", "id": format!("pc-{patient_id}"), "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": nordlys_policy::GRANT_KIND_SYSTEM, "code": "parental-consent"}]}],
        "patient": {"reference": format!("Patient/{patient_id}")}, "dateTime": "2026-01-01T10:00:00Z",
        "performer": [{"reference": format!("RelatedPerson/{patient_id}-mother")}],
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {"type": "permit", "period": {"start": "2026-01-01T10:00:00Z"},
            "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "ONESELF"}]},
                       "reference": {"reference": format!("Patient/{patient_id}")}}]}})
}

/// A clinician's `parent-access` grant opening `referral` to the youth's mother.
pub fn open_referral_to_parent(patient_id: &str, referral: &str) -> Value {
    json!({"resourceType": "Consent", "id": format!("open-{referral}"), "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": nordlys_policy::GRANT_KIND_SYSTEM, "code": "parent-access"}]}],
        "patient": {"reference": format!("Patient/{patient_id}")}, "dateTime": "2026-01-02T10:00:00Z",
        "performer": [{"reference": "Practitioner/dialog-nurse"}],
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {"type": "permit", "period": {"start": "2026-01-02T10:00:00Z"},
            "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "PRN"}]},
                       "reference": {"reference": format!("RelatedPerson/{patient_id}-mother")}}],
            "action": [{"coding": [{"system": nordlys_policy::ACCESS_LEVEL_SYSTEM, "code": "full"}]}],
            "data": [{"meaning": "related", "reference": {"reference": format!("ServiceRequest/{referral}")}}]}})
}

/// PUTs `r` with `token`, asserting success.
pub async fn put(s: &TestServer, token: &str, r: &Value) {
    let path = format!(
        "/fhir/{}/{}",
        r["resourceType"].as_str().unwrap_or_default(),
        r["id"].as_str().unwrap_or_default()
    );
    let (status, body) = s.send(reqwest::Method::PUT, &path, token, r).await;
    assert!(status.is_success(), "PUT {path}: {status} {body}");
}

/// Loads the dialog fixtures through the API (the hospital's record system; the
/// youth's parental consent by the mother).
pub async fn load(s: &TestServer) -> DialogFamily {
    let sys = s.system_token("dips-test", HOSPITAL_ORG).await;
    let (adult, ab) = person(40, 31);
    let (youth, yb) = person(13, 32);
    let (child, cb) = person(8, 33);
    let (parent_pid, pb) = person(42, 34);
    for r in [
        unit(WARD, "Poliklinikk for dialog, UNN", true),
        unit(NO_DIALOG_UNIT, "Sengepost uten dialog, UNN", false),
        patient("d-adult", &adult, ab),
        patient("d-youth", &youth, yb),
        patient("d-child", &child, cb),
        parent("d-youth-mother", "d-youth", &parent_pid, pb, yb),
        parent("d-child-mother", "d-child", &parent_pid, pb, cb),
        referral_to("d-ref-adult", "d-adult", WARD),
        referral_to("d-ref-youth", "d-youth", WARD),
        referral_to("d-ref-child", "d-child", WARD),
        referral_to("d-ref-quiet", "d-adult", NO_DIALOG_UNIT),
        episode(
            "d-eoc-adult",
            "d-adult",
            WARD,
            "Sykepleier Siri Helsekontakt",
            "d-ref-adult",
        ),
    ] {
        put(s, &sys, &r).await;
    }
    let mother = s.citizen_token(&parent_pid).await;
    put(s, &mother, &parental_consent("d-youth")).await;
    DialogFamily {
        adult,
        youth,
        child,
        parent: parent_pid,
    }
}

/// The Parameters of `Task/$start-dialog`.
pub fn start_params(patient: &str, unit: &str, topic: &str, text: &str) -> Value {
    json!({"resourceType": "Parameters", "parameter": [
        {"name": "patient", "valueReference": {"reference": format!("Patient/{patient}")}},
        {"name": "unit", "valueReference": {"reference": format!("Organization/{unit}")}},
        {"name": "topic", "valueString": topic},
        {"name": "text", "valueString": text}]})
}

/// A message on thread `task_id` (a Communication `partOf` it).
pub fn reply(task_id: &str, text: &str) -> Value {
    json!({"resourceType": "Communication", "status": "completed",
        "partOf": [{"reference": format!("Task/{task_id}")}],
        "payload": [{"contentString": text}]})
}

/// The dialog store suite (both backends): a thread started, answered, read on both
/// sides and closed; its attachment decided through its message. Each backend crate
/// runs it with `nordlys_testkit::dialog_tests!(async { (store, guard) });`.
#[macro_export]
macro_rules! dialog_tests {
    ($make:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn dialog_thread_on_this_backend() {
            let (store, _guard) = $make.await;
            $crate::dialog::thread_on_store(&store).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn dialog_guards_on_this_backend() {
            let (store, _guard) = $make.await;
            $crate::dialog::guards_on_store(&store).await;
        }
    };
}

async fn put_store(store: &nordlys_store::FhirStore, r: Value) {
    let rt = r["resourceType"].as_str().unwrap_or_default().to_string();
    let id = r["id"].as_str().unwrap_or_default().to_string();
    if let Err(e) = store
        .update(&crate::fixtures::hospital_system(), &rt, &id, r, None)
        .await
    {
        panic!("put {rt}/{id}: {e:?}");
    }
}

/// Start (with a PDF), answer, read receipts, close, refusal, Binary visibility.
pub async fn thread_on_store(store: &nordlys_store::FhirStore) {
    use crate::fixtures::{citizen, hospital_system};
    use nordlys_store::{NewThread, StoreError, Upload};
    let (adult, ab) = person(40, 41);
    let (stranger, sb) = person(40, 42);
    put_store(store, unit(WARD, "Poliklinikk for dialog, UNN", true)).await;
    put_store(store, patient("s-adult", &adult, ab)).await;
    put_store(store, patient("s-other", &stranger, sb)).await;
    put_store(store, referral_to("s-ref", "s-adult", WARD)).await;
    let me = citizen(&adult);
    let (task, msg) = store
        .dialog_start(
            &me,
            NewThread {
                patient_id: "s-adult".into(),
                unit_id: WARD.into(),
                topic: "Spørsmål".into(),
                kind: "standard".into(),
                referral: Some("s-ref".into()),
                text: "Hei".into(),
                attachments: vec![Upload {
                    content_type: "application/pdf".into(),
                    title: "a.pdf".into(),
                    data: b"%PDF-1.7 x".to_vec(),
                }],
            },
        )
        .await
        .unwrap_or_else(|e| panic!("start: {e:?}"));
    assert_eq!(task.columns.owner_org.as_deref(), Some(HOSPITAL_ORG));
    assert_eq!(task.columns.patient_id.as_deref(), Some("s-adult"));
    let body: Value = serde_json::from_str(&msg.body).unwrap_or_default();
    let binary = body["payload"][1]["contentAttachment"]["url"]
        .as_str()
        .and_then(|u| u.strip_prefix("Binary/"))
        .unwrap_or_default()
        .to_string();
    assert!(
        store.read(&me, "Binary", &binary).await.is_ok(),
        "the sender reads it"
    );
    assert!(matches!(
        store.read(&citizen(&stranger), "Binary", &binary).await,
        Err(StoreError::NotFound { .. })
    ));
    let unit = hospital_system();
    store
        .dialog_send(&unit, &task.id, "Svar", Vec::new(), Vec::new(), None)
        .await
        .unwrap_or_else(|e| panic!("answer: {e:?}"));
    assert_eq!(store.dialog_mark_read(&me, &task.id).await.ok(), Some(1));
    assert_eq!(store.dialog_mark_read(&unit, &task.id).await.ok(), Some(1));
    let inbox = store
        .unit_inbox(&unit)
        .await
        .unwrap_or_else(|e| panic!("inbox: {e:?}"));
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["businessStatus"]["coding"][0]["code"], "answered");
    store
        .dialog_change(
            &unit,
            &task.id,
            nordlys_store::DialogChange::Status(nordlys_store::dialog::DialogStatus::Closed),
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("close: {e:?}"));
    let refused = store
        .dialog_send(&me, &task.id, "Hallo?", Vec::new(), Vec::new(), None)
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(i)) if i[0].diagnostics.contains(WARD_PHONE)),
        "{refused:?}"
    );
    let (_, msgs) = store
        .unit_thread(&unit, &task.id)
        .await
        .unwrap_or_else(|e| panic!("thread: {e:?}"));
    assert_eq!(msgs.len(), 2);
}

/// The review's guards (docs/dialog.md "Guards"): a referral not linking the patient
/// to the unit is refused; another organisation's Communication pointing at a thread's
/// Binary opens nothing; a unit links only its own Binaries; only a record system
/// names the sender; the inbox is the orgnr's (every unit of it, by reference or by
/// identifier), not the region's.
pub async fn guards_on_store(store: &nordlys_store::FhirStore) {
    use crate::fixtures::{citizen, hospital_system, other_system, OTHER_ORG};
    use nordlys_policy::{Principal, Purpose};
    use nordlys_store::{NewThread, RequestContext, StoreError, Upload};
    let (adult, ab) = person(40, 43);
    let (other, ob) = person(40, 44);
    let ward = hospital_system();
    put_store(store, unit(WARD, "Poliklinikk for dialog, UNN", true)).await;
    put_store(store, unit("g-subunit", "Dagpost, UNN", true)).await;
    put_store(store, patient("g-adult", &adult, ab)).await;
    put_store(store, patient("g-other", &other, ob)).await;
    put_store(store, referral_to("g-ref", "g-adult", WARD)).await;
    put_store(store, referral_to("g-ref-other", "g-other", WARD)).await;
    let me = citizen(&adult);
    let new = |referral: &str| NewThread {
        patient_id: "g-adult".into(),
        unit_id: WARD.into(),
        topic: "Spørsmål".into(),
        kind: "standard".into(),
        referral: Some(referral.into()),
        text: "Hei".into(),
        attachments: vec![Upload {
            content_type: "application/pdf".into(),
            title: "a.pdf".into(),
            data: b"%PDF-1.7 x".to_vec(),
        }],
    };
    // 11a: someone else's referral to the same unit is not this thread's basis.
    let refused = store.dialog_start(&me, new("g-ref-other")).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(i)) if i[0].diagnostics.contains("referral")),
        "{refused:?}"
    );
    // 11b: a unit with neither an orgnr nor a stored owner takes no thread.
    let mut nameless = unit("g-noorg", "Uten orgnr", true);
    if let Some(o) = nameless.as_object_mut() {
        o.remove("identifier");
    }
    store
        .unchecked_import(vec![nameless], None)
        .await
        .unwrap_or_else(|e| panic!("import: {e:?}"));
    put_store(store, referral_to("g-ref-noorg", "g-adult", "g-noorg")).await;
    let mut to_nameless = new("g-ref-noorg");
    to_nameless.unit_id = "g-noorg".into();
    let refused = store.dialog_start(&me, to_nameless).await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(i)) if i[0].diagnostics.contains("organisation number")),
        "{refused:?}"
    );
    let (task, msg) = store
        .dialog_start(&me, new("g-ref"))
        .await
        .unwrap_or_else(|e| panic!("start: {e:?}"));
    let body: Value = serde_json::from_str(&msg.body).unwrap_or_default();
    let url = body["payload"][1]["contentAttachment"]["url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let binary = url.strip_prefix("Binary/").unwrap_or_default().to_string();

    // 2: another organisation's Communication pointing at the Binary opens nothing.
    let other_sys = other_system();
    let launder = serde_json::json!({"resourceType": "Communication", "id": "g-launder",
        "status": "completed", "subject": {"reference": "Patient/g-adult"},
        "payload": [{"contentAttachment": {"contentType": "application/pdf", "url": url}}]});
    store
        .update(&other_sys, "Communication", "g-launder", launder, None)
        .await
        .unwrap_or_else(|e| panic!("other org's Communication: {e:?}"));
    assert!(
        matches!(
            store.read(&other_sys, "Binary", &binary).await,
            Err(StoreError::NotFound { .. })
        ),
        "the other organisation's link opens nothing"
    );
    assert!(store.read(&ward, "Binary", &binary).await.is_ok());
    // … and the unit links only its own Binaries.
    let theirs = serde_json::json!({"resourceType": "Binary", "id": "g-theirs",
        "contentType": "application/pdf", "data": "JVBERi0xLjcgeA=="});
    store
        .update(&other_sys, "Binary", "g-theirs", theirs, None)
        .await
        .unwrap_or_else(|e| panic!("other org's Binary: {e:?}"));
    let link = |u: &str| serde_json::json!({"contentType": "application/pdf", "url": u});
    let refused = store
        .dialog_send(
            &ward,
            &task.id,
            "Se",
            Vec::new(),
            vec![link("Binary/g-theirs")],
            None,
        )
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Invalid(_))),
        "{refused:?}"
    );
    let (_, msgs) = store
        .unit_thread(&ward, &task.id)
        .await
        .unwrap_or_else(|e| panic!("thread: {e:?}"));
    assert_eq!(msgs.len(), 1, "nothing written");
    store
        .dialog_send(&ward, &task.id, "Se", Vec::new(), vec![link(&url)], None)
        .await
        .unwrap_or_else(|e| panic!("own Binary linked: {e:?}"));

    // 11c: a record system names the clinician; a practitioner is always themself.
    let colleague = serde_json::json!({"type": "Practitioner",
        "identifier": {"system": nordlys_policy::HPR_SYSTEM, "value": "100000001"}});
    let by_system = store
        .dialog_send(
            &ward,
            &task.id,
            "Fra DIPS",
            Vec::new(),
            Vec::new(),
            Some(colleague.clone()),
        )
        .await
        .unwrap_or_else(|e| panic!("system send: {e:?}"));
    let sent: Value = serde_json::from_str(&by_system.body).unwrap_or_default();
    assert_eq!(sent["sender"]["identifier"]["value"], "100000001");
    let nurse = RequestContext::new(Principal::Practitioner {
        hpr: NURSE_HPR.into(),
        orgnr: HOSPITAL_ORG.into(),
        purpose: Some(Purpose::Treat),
    });
    let by_nurse = store
        .dialog_send(
            &nurse,
            &task.id,
            "Fra meg",
            Vec::new(),
            Vec::new(),
            Some(colleague),
        )
        .await
        .unwrap_or_else(|e| panic!("nurse send: {e:?}"));
    let sent: Value = serde_json::from_str(&by_nurse.body).unwrap_or_default();
    assert_eq!(sent["sender"]["identifier"]["value"], NURSE_HPR);

    // 11f: the inbox is the orgnr's: the thread, a sub-unit's Task, a Task owned by
    // orgnr only; not another organisation's Task naming the ward.
    let kind = |code: &str| serde_json::json!({"coding": [{"system": nordlys_policy::TASK_KIND_SYSTEM, "code": code}]});
    let task_of = |id: &str, owner: Value, at: &str| {
        serde_json::json!({"resourceType": "Task",
        "id": id, "status": "requested", "intent": "order", "code": kind("letter-read"),
        "for": {"reference": "Patient/g-adult"}, "owner": owner, "authoredOn": at})
    };
    put_store(
        store,
        task_of(
            "g-sub",
            serde_json::json!({"reference": "Organization/g-subunit"}),
            "2026-01-03T10:00:00Z",
        ),
    )
    .await;
    put_store(
        store,
        task_of("g-by-nr", serde_json::json!({"identifier": {"system": nordlys_policy::ORGNR_SYSTEM, "value": HOSPITAL_ORG}}), "2026-01-02T10:00:00Z"),
    )
    .await;
    store
        .update(
            &other_sys,
            "Task",
            "g-theirs",
            task_of(
                "g-theirs",
                serde_json::json!({"reference": format!("Organization/{WARD}")}),
                "2026-01-04T10:00:00Z",
            ),
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("other org's Task: {e:?}"));
    let inbox = store
        .unit_inbox(&ward)
        .await
        .unwrap_or_else(|e| panic!("inbox: {e:?}"));
    let ids: Vec<&str> = inbox.iter().filter_map(|t| t["id"].as_str()).collect();
    assert_eq!(ids, vec![task.id.as_str(), "g-sub", "g-by-nr"]);
    // Stored by the other organisation but naming the ward as owner: in nobody's
    // inbox (the inbox is `Task?owner=` the organisation's units, and the item's).
    let theirs = store
        .unit_inbox(&other_sys)
        .await
        .unwrap_or_else(|e| panic!("other inbox: {e:?}"));
    assert!(theirs.is_empty(), "{OTHER_ORG}: {theirs:?}");
}
