//! Flexible dialog opened in the clinician workspace (docs/dialog.md), as tests meet
//! it: the "Åpne dialog" form's choices read from the page, and the portal's
//! multipart reply form posted by hand.
//!
//! Why here: the workspace test and any later portal test share these readers
//! (fixtures live in the testkit, never copied between test files).
use reqwest::StatusCode;

use crate::browserless::strip_tags;
use crate::portal::PortalUser;

/// The recipient checkboxes of the form: (handle, label).
pub fn recipients(html: &str) -> Vec<(String, String)> {
    html.split("name=\"recipient\" value=\"")
        .skip(1)
        .map(|rest| {
            let handle = rest.split('"').next().unwrap_or_default().to_owned();
            let label = rest
                .split("</label>")
                .next()
                .and_then(|s| s.rsplit('>').next())
                .unwrap_or_default()
                .trim()
                .to_owned();
            (handle, label)
        })
        .collect()
}

/// The options of `<select name="{name}">`: (value, label).
pub fn select_options(html: &str, name: &str) -> Vec<(String, String)> {
    let marker = format!("name=\"{name}\"");
    let Some(select) = html
        .split(&marker)
        .nth(1)
        .and_then(|s| s.split("</select>").next())
    else {
        return Vec::new();
    };
    select
        .split("<option value=\"")
        .skip(1)
        .map(|o| {
            let value = o.split('"').next().unwrap_or_default().to_owned();
            let label = o
                .split_once('>')
                .map(|(_, l)| strip_tags(l.split("</option>").next().unwrap_or_default()))
                .unwrap_or_default();
            (value, label)
        })
        .collect()
}

/// The portal's `/dialog` link to the thread titled `topic`, if listed.
pub fn thread_link(html: &str, topic: &str) -> Option<String> {
    let at = html.find(&format!("\">{topic}</a>"))?;
    let start = html[..at].rfind("href=\"")? + "href=\"".len();
    Some(html[start..at].to_owned())
}

/// Posts the portal's reply form (multipart, no file) on `thread_path`; answers the
/// status and the body (redirects not followed).
pub async fn portal_reply(
    user: &PortalUser,
    thread_path: &str,
    text: &str,
) -> (StatusCode, String) {
    let boundary = "nordlysflexibledialogboundary";
    let csrf = user.csrf().await;
    let mut body = String::new();
    for (k, v) in [("_csrf", csrf.as_str()), ("text", text)] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let r = user
        .client
        .post(format!("{}{thread_path}/reply", user.base))
        .header("cookie", &user.cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {thread_path}/reply: {e}"));
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

/// The flexible-dialog store suite, run on each backend by
/// `nordlys_testkit::dialog_open_tests!(async { (store, guard) });`.
#[macro_export]
macro_rules! dialog_open_tests {
    ($make:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn flexible_dialog_opened_on_this_backend() {
            let (store, _guard) = $make.await;
            $crate::dialog_open::open_on_store(&store).await;
        }
    };
}

async fn put_store(store: &nordlys_store::FhirStore, r: serde_json::Value) {
    let rt = r["resourceType"].as_str().unwrap_or_default().to_string();
    let id = r["id"].as_str().unwrap_or_default().to_string();
    if let Err(e) = store
        .update(&crate::fixtures::hospital_system(), &rt, &id, r, None)
        .await
    {
        panic!("put {rt}/{id}: {e:?}");
    }
}

/// The unit opens a flexible dialog to an adult patient: the thread (answered, its
/// recipients and period) and the first message in one batch; the patient answers
/// within the period; refused: a citizen opening one (403), another organisation (the
/// patient is hidden from it: 404), a RelatedPerson or Patient other than this
/// patient's (404), a period in the past (422), and the patient's message before a
/// period has begun (422 naming the phone number).
pub async fn open_on_store(store: &nordlys_store::FhirStore) {
    use crate::booking::{parent, patient, person};
    use crate::fixtures::{citizen, hospital_system, other_system, HOSPITAL_ORG};
    use nordlys_store::{OpenThread, StoreError};
    use serde_json::{json, Value};
    let (adult, ab) = person(40, 51);
    let (other, ob) = person(40, 52);
    let (mum, mb) = person(70, 53);
    put_store(
        store,
        json!({"resourceType": "Organization", "id": "flex-ward", "active": true,
        "name": "Poliklinikk for fleksibel dialog",
        "identifier": [{"system": nordlys_policy::ORGNR_SYSTEM, "value": HOSPITAL_ORG}],
        "telecom": [{"system": "phone", "value": crate::dialog::WARD_PHONE}],
        "extension": [{"url": nordlys_store::dialog::DIALOG_OFFERED_URL, "valueBoolean": true}]}),
    )
    .await;
    put_store(store, patient("f-adult", &adult, ab)).await;
    put_store(store, patient("f-other", &other, ob)).await;
    put_store(store, parent("f-other-mum", "f-other", &mum, mb, ob)).await;
    let today = chrono::Utc::now().date_naive();
    let open = |recipients: &[&str], start: i64, end: i64| OpenThread {
        patient_id: "f-adult".into(),
        unit_id: "flex-ward".into(),
        recipients: recipients.iter().map(|r| (*r).to_owned()).collect(),
        start: today + chrono::Duration::days(start),
        end: today + chrono::Duration::days(end),
        topic: "Oppfølging".into(),
        text: "Hvordan går det?".into(),
        referral: None,
    };
    let (task, msg) = store
        .dialog_open(&hospital_system(), open(&["Patient/f-adult"], 0, 7))
        .await
        .unwrap_or_else(|e| panic!("open: {e:?}"));
    assert_eq!(task.columns.owner_org.as_deref(), Some(HOSPITAL_ORG));
    assert_eq!(task.columns.patient_id.as_deref(), Some("f-adult"));
    let body: Value = serde_json::from_str(&task.body).unwrap_or_default();
    assert_eq!(
        body["restriction"]["recipient"],
        json!([{"reference": "Patient/f-adult"}])
    );
    assert_eq!(body["businessStatus"]["coding"][0]["code"], "answered");
    let first: Value = serde_json::from_str(&msg.body).unwrap_or_default();
    assert_eq!(first["partOf"][0]["reference"], format!("Task/{}", task.id));
    assert_eq!(first["recipient"][0]["reference"], "Patient/f-adult");
    store
        .dialog_send(
            &citizen(&adult),
            &task.id,
            "Bra, takk",
            Vec::new(),
            Vec::new(),
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("answer: {e:?}"));

    let refused = [
        store
            .dialog_open(&citizen(&adult), open(&["Patient/f-adult"], 0, 7))
            .await,
        store
            .dialog_open(&other_system(), open(&["Patient/f-adult"], 0, 7))
            .await,
        store
            .dialog_open(
                &hospital_system(),
                open(&["RelatedPerson/f-other-mum"], 0, 7),
            )
            .await,
        store
            .dialog_open(&hospital_system(), open(&["Patient/f-other"], 0, 7))
            .await,
        store
            .dialog_open(&hospital_system(), open(&["Patient/f-adult"], -3, -1))
            .await,
    ];
    let kinds: Vec<&str> = refused
        .iter()
        .map(|r| match r {
            Err(StoreError::Forbidden(_)) => "forbidden",
            Err(StoreError::NotFound { .. }) => "not-found",
            Err(StoreError::Invalid(_)) => "invalid",
            Err(_) => "other",
            Ok(_) => "written",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "forbidden",
            "not-found",
            "not-found",
            "not-found",
            "invalid"
        ]
    );

    let (later, _) = store
        .dialog_open(&hospital_system(), open(&["Patient/f-adult"], 2, 9))
        .await
        .unwrap_or_else(|e| panic!("open later: {e:?}"));
    let early = store
        .dialog_send(
            &citizen(&adult),
            &later.id,
            "Før tiden",
            Vec::new(),
            Vec::new(),
            None,
        )
        .await;
    assert!(
        matches!(&early, Err(StoreError::Invalid(i)) if format!("{i:?}").contains(crate::dialog::WARD_PHONE)),
        "{early:?}"
    );
}
