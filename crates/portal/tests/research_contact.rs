//! A study contacts its participants (issue 6 § 6) over HTTP with real tokens on the
//! demo region: the research system's questionnaire (`form-request` Task, `basedOn` the
//! study) and letter (`context.related` the study) are refused (422, nothing written)
//! until Ingrid consents for Emma (8) in the portal; then Ingrid sees the request in the
//! portal's forms tile and through FHIR, fills it in in the portal, and the study reads the answer and
//! finds the `form-answer` Task in its inbox; the letter is in the letters tile and
//! queued for notification like any letter. Jonas (17, not a participant) gets
//! nothing. After the withdrawal the open request is `cancelled` (not offered, not
//! answerable) and new requests and letters are refused again.
use nordlys_testkit::fixtures::hospital_system;
use nordlys_testkit::forms::{builtin, feedback_answers, params, unit};
use nordlys_testkit::portal::{PortalDemo, PortalUser};
use nordlys_testkit::research::{study_form_request, study_letter};
use nordlys_testkit::server::{entry_ids, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The research organisation (not one of the demo's).
const RESEARCH_ORG: &str = "999888771";
const INBOX: &str = "/fhir/Task?owner=Organization/forskning&code=https://nordlys.no/fhir/CodeSystem/task-kind|form-answer";

async fn put(s: &TestServer, token: &str, r: &Value) -> (StatusCode, Value) {
    let path = format!(
        "/fhir/{}/{}",
        r["resourceType"].as_str().unwrap_or_default(),
        r["id"].as_str().unwrap_or_default()
    );
    s.send(Method::PUT, &path, token, r).await
}

/// A write the study may not make: 422 with a clear reason, and nothing stored.
async fn refused(s: &TestServer, token: &str, r: &Value) {
    let (status, body) = put(s, token, r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let text = body["issue"][0]["diagnostics"].as_str().unwrap_or_default();
    assert!(text.contains("no research consent in force"), "{body}");
    let path = format!(
        "/fhir/{}/{}",
        r["resourceType"].as_str().unwrap_or_default(),
        r["id"].as_str().unwrap_or_default()
    );
    assert_eq!(s.get(&path, token).await.0, StatusCode::NOT_FOUND, "{path}");
}

async fn created(s: &TestServer, token: &str, r: &Value) {
    let (status, body) = put(s, token, r).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// The `study` handles on the research page (consent first), or under "given".
async fn study_handles(user: &PortalUser, given: bool) -> Vec<String> {
    let page = user.get("/research").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let html = if given {
        page.html
            .split("research-given")
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .unwrap_or_default()
            .to_owned()
    } else {
        page.html
    };
    html.split("name=\"study\" value=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect()
}

/// The forms tile's "fill in what you were asked" links (`/forms/{q}?request={h}`).
async fn request_links(user: &PortalUser) -> Vec<String> {
    let tile = user.get("/tiles/forms").await;
    assert_eq!(tile.status, StatusCode::OK, "{}", tile.html);
    tile.html
        .split("href=\"/forms/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| format!("/forms/{}", h.replace("&amp;", "&")))
        .filter(|l| l.contains("?request="))
        .collect()
}

async fn open_requests(s: &TestServer, token: &str, patient: &str) -> Vec<String> {
    // Only the form requests: the answered form's `form-answer` Task (in the study's
    // inbox, status requested) is in the child's record too.
    let path = format!(
        "/fhir/Task?patient=Patient/{patient}&status=requested\
         &code=https://nordlys.no/fhir/CodeSystem/task-kind%7Cform-request"
    );
    let (status, bundle) = s.get(&path, token).await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    entry_ids(&bundle, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_study_sends_forms_and_letters_to_consenting_participants_only() {
    let demo = PortalDemo::start().await;
    let s = &demo.server;
    let research = s.system_token("research-test", RESEARCH_ORG).await;
    let study = json!({"resourceType": "ResearchStudy", "status": "active",
        "title": "Barnehjertestudien", "description": "Jeg samtykker til at studien bruker prøvesvar."});
    let (status, body) = s
        .send(Method::POST, "/fhir/ResearchStudy", &research, &study)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let sid = body["id"].as_str().unwrap_or_default().to_owned();
    created(
        s,
        &research,
        &unit("forskning", RESEARCH_ORG, "Forskningsgruppen"),
    )
    .await;
    created(
        s,
        &research,
        &builtin::feedback("studieskjema", "forskning"),
    )
    .await;
    let request = |id: &str, patient: &str| {
        study_form_request(id, patient, "studieskjema", "forskning", RESEARCH_ORG, &sid)
    };

    // Before any consent: refused, nothing written.
    refused(s, &research, &request("req-early", "child-8")).await;
    refused(
        s,
        &research,
        &study_letter("letter-early", "child-8", RESEARCH_ORG, &sid),
    )
    .await;

    // Ingrid consents for Emma (8) in the portal.
    let mother = demo.login("mother").await;
    mother.act_for("Emma").await;
    let handles = study_handles(&mother, false).await;
    assert_eq!(handles.len(), 2, "consent and decline: {handles:?}");
    let given = mother
        .post("/research/consent", &[("study", &handles[0])])
        .await;
    assert_eq!(given.status, StatusCode::SEE_OTHER, "{}", given.html);

    // Now the study reaches Emma — and still not Jonas (17), who has not consented.
    created(s, &research, &request("req-1", "child-8")).await;
    created(
        s,
        &research,
        &study_letter("letter-1", "child-8", RESEARCH_ORG, &sid),
    )
    .await;
    refused(s, &research, &request("req-jonas", "child-17")).await;
    refused(
        s,
        &research,
        &study_letter("letter-jonas", "child-17", RESEARCH_ORG, &sid),
    )
    .await;

    // Ingrid sees both in the portal and the request through FHIR.
    let ingrid = s.citizen_token(&demo.pid("mother")).await;
    assert_eq!(open_requests(s, &ingrid, "child-8").await, ["Task/req-1"]);
    let asked = request_links(&mother).await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    let letters = mother.tile_titles("letters").await;
    assert_eq!(letters, ["Informasjon til deltakerne i studien"]);
    // The letter is announced like any letter: one new-letter entry per person who
    // sees it (both of Emma's parents in the demo), none for the refused ones.
    let outbox = s
        .store
        .outbox_of_patient(&hospital_system(), "child-8")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let letter_news: Vec<&str> = outbox
        .iter()
        .filter(|e| e.item == "DocumentReference/letter-1")
        .map(|e| e.kind.as_str())
        .collect();
    assert!(!letter_news.is_empty(), "{outbox:?}");
    assert!(
        letter_news.iter().all(|k| *k == "new-letter"),
        "{letter_news:?}"
    );
    assert!(
        !outbox.iter().any(|e| e.item.contains("early")),
        "{outbox:?}"
    );

    // She fills it in in the portal; the answer is the study's, in its inbox.
    let handle = asked[0].split("?request=").nth(1).unwrap_or_default();
    let handle = handle.split('&').next().unwrap_or_default();
    let page = mother.get(&asked[0]).await;
    assert!(page
        .html
        .contains(&format!("name=\"request\" value=\"{handle}\"")));
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(
        page.html.contains("Hva slags tilbakemelding?"),
        "{}",
        page.html
    );
    let sent = mother
        .post(
            &asked[0],
            &[
                ("action", "send"),
                ("request", handle),
                ("kind", "o0"),
                ("text", "Takk for at Emma får være med"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    let (_, answers) = s
        .get(
            "/fhir/QuestionnaireResponse?subject=Patient/child-8&status=completed",
            &research,
        )
        .await;
    let answered = entry_ids(&answers, None);
    assert_eq!(answered.len(), 1, "{answers}");
    let rid = answered[0]
        .trim_start_matches("QuestionnaireResponse/")
        .to_owned();
    let (status, qr) = s
        .get(&format!("/fhir/QuestionnaireResponse/{rid}"), &research)
        .await;
    assert_eq!(status, StatusCode::OK, "{qr}");
    assert_eq!(qr["subject"]["reference"], "Patient/child-8");
    let (_, inbox) = s.get(INBOX, &research).await;
    assert_eq!(entry_ids(&inbox, None).len(), 1, "{inbox}");
    assert_eq!(
        inbox["entry"][0]["resource"]["basedOn"][0]["reference"], "Task/req-1",
        "{inbox}"
    );
    assert_eq!(
        open_requests(s, &ingrid, "child-8").await,
        Vec::<String>::new()
    );

    // A second request, then Ingrid withdraws: it is cancelled, not offered, not answerable.
    created(s, &research, &request("req-2", "child-8")).await;
    assert_eq!(open_requests(s, &ingrid, "child-8").await, ["Task/req-2"]);
    assert_eq!(request_links(&mother).await.len(), 1);
    let withdraw = study_handles(&mother, true).await;
    assert_eq!(withdraw.len(), 1, "{withdraw:?}");
    let gone = mother
        .post("/research/withdraw", &[("study", &withdraw[0])])
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER, "{}", gone.html);
    let (_, req2) = s.get("/fhir/Task/req-2", &research).await;
    assert_eq!(req2["status"], "cancelled", "{req2}");
    assert_eq!(
        open_requests(s, &ingrid, "child-8").await,
        Vec::<String>::new()
    );
    assert_eq!(request_links(&mother).await, Vec::<String>::new());
    let (status, late) = s
        .send(
            Method::POST,
            "/fhir/QuestionnaireResponse/$submit",
            &ingrid,
            &params(
                "child-8",
                "studieskjema",
                feedback_answers(),
                None,
                Some("req-2"),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{late}");
    let (_, inbox) = s.get(INBOX, &research).await;
    assert_eq!(
        entry_ids(&inbox, None).len(),
        1,
        "nothing more delivered: {inbox}"
    );
    refused(s, &research, &request("req-3", "child-8")).await;
    refused(
        s,
        &research,
        &study_letter("letter-3", "child-8", RESEARCH_ORG, &sid),
    )
    .await;
    // What was delivered under the consent stays the study's record (docs/access-policy.md, study contact).
    let (status, _) = s
        .get(&format!("/fhir/QuestionnaireResponse/{rid}"), &research)
        .await;
    assert_eq!(status, StatusCode::OK);

    // Consent again, a new request, then the grant is ended by a plain FHIR write of the
    // Consent (not the portal's withdrawal, so nothing cancels the request): the open
    // request can no longer be answered to the study.
    let again = study_handles(&mother, false).await;
    let yes = mother
        .post("/research/consent", &[("study", &again[0])])
        .await;
    assert_eq!(yes.status, StatusCode::SEE_OTHER, "{}", yes.html);
    created(s, &research, &request("req-4", "child-8")).await;
    let (_, subjects) = s
        .get(
            &format!("/fhir/ResearchSubject?study=ResearchStudy/{sid}"),
            &research,
        )
        .await;
    let cid = subjects["entry"][0]["resource"]["consent"]["reference"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (status, mut consent) = s.get(&format!("/fhir/{cid}"), &ingrid).await;
    assert_eq!(status, StatusCode::OK, "{consent}");
    consent["status"] = json!("inactive");
    let (status, body) = s
        .send(Method::PUT, &format!("/fhir/{cid}"), &ingrid, &consent)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, late) = s
        .send(
            Method::POST,
            "/fhir/QuestionnaireResponse/$submit",
            &ingrid,
            &params(
                "child-8",
                "studieskjema",
                feedback_answers(),
                None,
                Some("req-4"),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{late}");
    assert!(
        late.to_string()
            .contains("consent to this study has been withdrawn"),
        "{late}"
    );
    let (_, inbox) = s.get(INBOX, &research).await;
    assert_eq!(
        entry_ids(&inbox, None).len(),
        1,
        "still nothing more: {inbox}"
    );
}
