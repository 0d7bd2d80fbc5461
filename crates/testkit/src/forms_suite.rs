//! The forms suite on every backend (issue 6 § 2): sending is one commit whose
//! preconditions the backend checks, so of many concurrent sends of one draft, or
//! answers to one request, exactly one is delivered — one response, one inbox Task —
//! and the others are refused with nothing written. Each backend crate runs it with
//! `nordlys_testkit::forms_tests!(async { (store, guard) });`.
use nordlys_store::{FhirStore, FormAnswer, StoreError};
use serde_json::{json, Value};

use crate::booking::{patient, person};
use crate::fixtures::{citizen, hospital_system, HOSPITAL_ORG};
use crate::forms::{builtin, form_request, triage_answers, unit};

/// Generates one `#[tokio::test]` per scenario; `$make` produces a future of
/// `(a fresh, migrated FhirStore, a guard kept alive for the test)`.
#[macro_export]
macro_rules! forms_tests {
    ($make:expr) => {
        $crate::forms_tests!(@each $make;
            ten_windows_send_one_draft_once, ten_answers_to_one_request_deliver_one);
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = $make.await;
                $crate::forms_suite::$name(&store).await;
            }
        )*
    };
}

async fn put(store: &FhirStore, resource: Value) {
    let rt = resource["resourceType"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let id = resource["id"].as_str().unwrap_or_default().to_string();
    if let Err(e) = store
        .update(&hospital_system(), &rt, &id, resource, None)
        .await
    {
        panic!("put {rt}/{id}: {e:?}");
    }
}

/// The unit, the triage form and Kari; Kari's national id.
async fn setup(store: &FhirStore) -> String {
    put(store, unit("unn", HOSPITAL_ORG, "UNN")).await;
    put(store, builtin::triage("triage", "unn")).await;
    let (fnr, birth) = person(40, 7);
    put(store, patient("kari", &fnr, birth)).await;
    fnr
}

async fn inbox(store: &FhirStore) -> Vec<Value> {
    let params = vec![("owner".to_owned(), "Organization/unn".to_owned())];
    let request = store
        .parse_search("Task", &params, false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let found = store
        .search(&hospital_system(), &request)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    found
        .matches
        .iter()
        .map(|s| serde_json::from_str(&s.body).unwrap_or_default())
        .collect()
}

/// Sends `answer` from ten tasks at once; the number delivered.
async fn race(store: &FhirStore, fnr: &str, answer: FormAnswer) -> usize {
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (store, ctx, answer) = (store.clone(), citizen(fnr), answer.clone());
        tasks.push(tokio::spawn(async move {
            store.submit_form(&ctx, &answer).await
        }));
    }
    let mut delivered = 0;
    for t in tasks {
        match t.await.unwrap_or_else(|e| panic!("{e:?}")) {
            Ok(_) => delivered += 1,
            Err(StoreError::Conflict(_)) | Err(StoreError::Invalid(_)) => {}
            Err(other) => panic!("unexpected refusal: {other:?}"),
        }
    }
    delivered
}

pub async fn ten_windows_send_one_draft_once(store: &FhirStore) {
    let fnr = setup(store).await;
    let mut answer = FormAnswer {
        patient_id: "kari".into(),
        questionnaire_id: "triage".into(),
        items: json!([{"linkId": "fever", "answer": [{"valueBoolean": true}]}]),
        draft_id: None,
        request_id: None,
    };
    let draft = store
        .save_form_draft(&citizen(&fnr), &answer)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(draft.columns.owner_org, None, "a draft is nobody's record");
    assert!(inbox(store).await.is_empty());
    answer.draft_id = Some(draft.id.clone());
    answer.items = triage_answers(true);
    assert_eq!(race(store, &fnr, answer).await, 1);
    let tasks = inbox(store).await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["priority"], "asap");
    assert_eq!(
        tasks[0]["focus"]["reference"],
        format!("QuestionnaireResponse/{}", draft.id)
    );
    let sent = store
        .read(&hospital_system(), "QuestionnaireResponse", &draft.id)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(sent.columns.owner_org.as_deref(), Some(HOSPITAL_ORG));
    assert_eq!(sent.version, 2);
}

pub async fn ten_answers_to_one_request_deliver_one(store: &FhirStore) {
    let fnr = setup(store).await;
    put(
        store,
        form_request("req", "kari", "triage", "unn", HOSPITAL_ORG),
    )
    .await;
    let answer = FormAnswer {
        patient_id: "kari".into(),
        questionnaire_id: "triage".into(),
        items: triage_answers(false),
        draft_id: None,
        request_id: Some("req".into()),
    };
    assert_eq!(race(store, &fnr, answer).await, 1);
    let tasks = inbox(store).await;
    let answers: Vec<&Value> = tasks
        .iter()
        .filter(|t| t["code"]["coding"][0]["code"] == "form-answer")
        .collect();
    assert_eq!(answers.len(), 1, "{tasks:?}");
    assert_eq!(answers[0]["basedOn"][0]["reference"], "Task/req");
    let req = tasks
        .iter()
        .find(|t| t["id"] == "req")
        .cloned()
        .unwrap_or_default();
    assert_eq!(req["status"], "completed");
}
