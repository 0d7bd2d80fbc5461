//! Flexible dialog opened in the workspace (issue 5 § 4, docs/dialog.md): a UNN doctor
//! opens a dialog for Kari (13) to her mother on the asthma referral the ward opened
//! for her parents, for a period; the mother sees it in the portal and answers; Kari,
//! not chosen, sees nothing of it; once the period is over the mother's answer is
//! refused with where to call, and nothing is written.
use nordlys_synth::UNN_ORGNR;
use nordlys_testkit::dialog_open::{portal_reply, recipients, select_options, thread_link};
use nordlys_testkit::portal::PortalDemo;
use nordlys_testkit::workspace::WorkspaceUser;
use reqwest::StatusCode;
use serde_json::{json, Value};

const WARD_DOCTOR_HPR: &str = "565501872";
const TOPIC: &str = "Astmakontroll etter ferien";
const FIRST: &str = "Hvordan har Kari hatt det med pusten den siste uka?";
const ANSWER: &str = "Bedre, hun bruker Ventoline sjeldnere.";

/// The flexible thread with `TOPIC`, read by the hospital's record system.
async fn thread(demo: &PortalDemo, token: &str) -> Value {
    let (status, bundle) = demo
        .server
        .get(
            "/fhir/Task?owner=Organization/org-unn-med&_count=100",
            token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    let found: Vec<Value> = bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["resource"].clone())
        .filter(|t| t["description"] == TOPIC)
        .collect();
    assert_eq!(found.len(), 1, "{bundle}");
    found[0].clone()
}

async fn messages(demo: &PortalDemo, token: &str, task_id: &str) -> Vec<String> {
    let (status, bundle) = demo
        .server
        .get(
            &format!("/fhir/Communication?part-of=Task/{task_id}&_sort=sent"),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    bundle["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            e["resource"]["payload"][0]["contentString"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn clinician_opens_a_flexible_dialog_to_the_mother_for_a_period() {
    let demo = PortalDemo::start().await;
    let doctor = WorkspaceUser::login(&demo.server, WARD_DOCTOR_HPR, UNN_ORGNR).await;
    let overview = doctor
        .open_patient(&demo.pid("child-13"), "TREAT", None)
        .await;
    assert!(overview.html.contains("href=\"/clinician/dialog/open\""));

    let form = doctor.get("/clinician/dialog/open").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);
    let people = recipients(&form.html);
    let labels: Vec<&str> = people
        .iter()
        .map(|(_, l)| l.split(" (").next().unwrap_or(""))
        .collect();
    assert_eq!(
        labels,
        ["Kari Nilsen", "Ingrid Nilsen", "Lars Nilsen"],
        "{people:?}"
    );
    let mother = people[1].0.clone();
    let units = select_options(&form.html, "unit");
    let unit_names: Vec<&str> = units.iter().map(|(_, l)| l.as_str()).collect();
    assert!(
        unit_names.contains(&"Medisinsk poliklinikk, UNN Tromsø"),
        "{units:?}"
    );
    assert!(
        !unit_names.iter().any(|n| n.starts_with("Barne-")),
        "no dialog there: {units:?}"
    );
    let unit = units
        .iter()
        .find(|(_, l)| l.starts_with("Medisinsk"))
        .map(|(h, _)| h.clone())
        .unwrap_or_default();
    let referral = select_options(&form.html, "referral")
        .into_iter()
        .find(|(_, l)| l.starts_with("Henvisning til barneavdelingen: astma"))
        .map(|(h, _)| h)
        .expect("the asthma referral");
    let today = chrono::Utc::now().date_naive();
    let (start, end) = (
        today.to_string(),
        (today + chrono::Duration::days(7)).to_string(),
    );
    let fields = vec![
        ("recipient", mother.as_str()),
        ("unit", unit.as_str()),
        ("referral", referral.as_str()),
        ("start", start.as_str()),
        ("end", end.as_str()),
        ("topic", TOPIC),
        ("text", FIRST),
    ];

    // Without the CSRF token, and with a period already over: nothing is written.
    let mut no_token = fields.clone();
    no_token.push(("_csrf", "not-the-token"));
    let no_token = doctor.post("/clinician/dialog/open", &no_token).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let past = (today - chrono::Duration::days(1)).to_string();
    let mut late = fields.clone();
    late[4] = ("end", past.as_str());
    late[3] = ("start", past.as_str());
    let refused = doctor.post("/clinician/dialog/open", &late).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.html
    );

    let opened = doctor.post("/clinician/dialog/open", &fields).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.html);
    let at = opened.location.clone().unwrap_or_default();
    assert!(at.starts_with("/clinician/inbox/"), "{at}");
    let page = doctor.get(&at).await;
    assert!(
        page.html.contains(FIRST) && page.html.contains(TOPIC),
        "{}",
        page.html
    );

    let system = demo.server.system_token("unn-dips", UNN_ORGNR).await;
    let task = thread(&demo, &system).await;
    let task_id = task["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        task["restriction"]["recipient"],
        json!([{"reference": "RelatedPerson/mother", "display": "Ingrid Nilsen"}])
    );
    assert_eq!(
        task["restriction"]["period"],
        json!({"start": start, "end": end})
    );
    assert_eq!(task["code"]["coding"][1]["code"], "flexible");
    assert_eq!(task["businessStatus"]["coding"][0]["code"], "answered");
    assert_eq!(
        task["basedOn"],
        json!([{"reference": "ServiceRequest/referral-2"}])
    );

    // The mother, acting for Kari, sees the thread and answers within the period.
    let ingrid = demo.login("mother").await;
    ingrid.act_for("Kari").await;
    let list = ingrid.get("/dialog").await;
    let link = thread_link(&list.html, TOPIC).unwrap_or_else(|| panic!("{}", list.html));
    assert!(ingrid.get(&link).await.html.contains(FIRST));
    let (status, html) = portal_reply(&ingrid, &link, ANSWER).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(messages(&demo, &system, &task_id).await, [FIRST, ANSWER]);

    // Kari herself was not chosen: she sees nothing of it.
    let kari = demo.login("child-13").await;
    assert!(!kari.get("/dialog").await.html.contains(TOPIC));

    // The period ends (the record system shortens it): the answer is refused.
    let mut over = thread(&demo, &system).await;
    over["restriction"]["period"] = json!({"start": past, "end": past});
    nordlys_testkit::dialog::put(&demo.server, &system, &over).await;
    let (status, html) = portal_reply(&ingrid, &link, "En melding til").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("77 62 60 00"), "where to call: {html}");
    assert!(
        !html.contains("/reply\""),
        "no reply form after the period: {html}"
    );
    assert_eq!(messages(&demo, &system, &task_id).await, [FIRST, ANSWER]);
}
