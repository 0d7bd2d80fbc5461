//! The privacy settings page over HTTP on the real server with the demo region: a
//! rule set in the portal is stored as the contract's Consent, changes what the
//! store shows at once, and is refused without the session's CSRF token.
//!
//! Why through the form and then through the FHIR API: the portal only writes; the
//! effect is checked where the policy decides (exact items and counts with the
//! person's own token), and on the portal's own pages.
use nordlys_testkit::portal::{attr_after, texts_of, PortalDemo};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Every Consent of `patient` as `token` sees it.
async fn consents(demo: &PortalDemo, token: &str, patient: &str) -> Vec<Value> {
    let (status, bundle) = demo
        .server
        .get(
            &format!("/fhir/Consent?patient=Patient/{patient}&_count=100"),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    bundle["entry"]
        .as_array()
        .map(|e| e.iter().map(|e| e["resource"].clone()).collect())
        .unwrap_or_default()
}

fn kind(consent: &Value) -> &str {
    consent["category"][0]["coding"][0]["code"]
        .as_str()
        .unwrap_or("")
}

/// Ids of the resources a search answers (leaving out the access log).
async fn found(demo: &PortalDemo, token: &str, query: &str) -> Vec<String> {
    let (status, bundle) = demo.server.get(&format!("/fhir/{query}"), token).await;
    assert_eq!(status, StatusCode::OK, "{query}: {bundle}");
    let mut ids: Vec<String> = bundle["entry"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|e| e["resource"]["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// The handle in the lift (or limit) form of the first listed rule titled `title`.
fn rule_handle(html: &str, title: &str, action: &str) -> String {
    let at = html
        .find(&format!("<h3>{title}</h3>"))
        .unwrap_or_else(|| panic!("no rule {title} in {html}"));
    let rest = &html[at..];
    let form = rest
        .find(&format!("action=\"/settings/{action}\""))
        .expect("a form for the rule");
    attr_after(&rest[form..], "name=\"rule\" value=\"").expect("the rule's handle")
}

/// The one-time confirmation or refusal at the top of the settings page.
fn notice(html: &str) -> Option<String> {
    let status = texts_of(html, "<div class=\"notice ok\" role=\"status\"><p>");
    status.into_iter().next()
}

#[tokio::test]
async fn jonas_hides_his_results_and_lifts_it_again() {
    let demo = PortalDemo::start().await;
    let token = demo.server.citizen_token(&demo.pid("child-17")).await;
    let reports = "DiagnosticReport?subject=Patient/child-17&_count=100";
    let before = found(&demo, &token, reports).await;
    assert_eq!(before, vec!["dr-child-17-rad-1".to_owned()]);
    let jonas = demo.login("child-17").await;
    let titles_before = jonas.tile_titles("results").await;
    assert!(!titles_before.is_empty());

    let p = jonas.post("/settings/self-deny-results", &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert_eq!(p.location.as_deref(), Some("/settings"));
    let page = jonas.get("/settings").await;
    assert_eq!(
        notice(&page.html).as_deref(),
        Some("Regelen er lagret og gjelder fra nå.")
    );
    assert!(page
        .html
        .contains("<h3>Jeg vil ikke se prøvesvarene mine digitalt</h3>"));
    // Shown once: the next load has no confirmation.
    assert_eq!(notice(&jonas.get("/settings").await.html), None);

    assert_eq!(found(&demo, &token, reports).await, Vec::<String>::new());
    let tile = jonas.get("/tiles/results").await;
    assert_eq!(tile.status, StatusCode::OK);
    assert!(
        tile.html
            .contains("Du har valgt å ikke se prøvesvarene dine digitalt."),
        "{}",
        tile.html
    );
    assert_eq!(jonas.tile_titles("results").await, Vec::<String>::new());
    let home = jonas.get("/").await;
    assert!(home
        .html
        .contains("Du har valgt å ikke se prøvesvarene dine digitalt."));

    let handle = rule_handle(
        &page.html,
        "Jeg vil ikke se prøvesvarene mine digitalt",
        "lift",
    );
    let p = jonas.post("/settings/lift", &[("rule", &handle)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let page = jonas.get("/settings").await;
    assert_eq!(notice(&page.html).as_deref(), Some("Regelen er opphevet."));
    assert!(page.html.contains("Opphevet"));
    assert_eq!(found(&demo, &token, reports).await, before);
    assert_eq!(jonas.tile_titles("results").await, titles_before);
    let stored: Vec<Value> = consents(&demo, &token, "child-17")
        .await
        .into_iter()
        .filter(|c| kind(c) == "self-deny-results")
        .collect();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["status"], "inactive");
    assert_eq!(stored[0]["meta"]["versionId"], "2");
}

#[tokio::test]
async fn nils_gives_a_limited_proxy_and_limits_olas() {
    let demo = PortalDemo::start().await;
    let nils_token = demo.server.citizen_token(&demo.pid("elderly-father")).await;
    let anne = demo.pid("guardian");
    let anne_token = demo.server.citizen_token(&anne).await;
    let nils_patient = "/fhir/Patient/elderly-father";
    let (status, _) = demo.server.get(nils_patient, &anne_token).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "Anne has no relation to Nils yet"
    );
    let nils = demo.login("elderly-father").await;
    let p = nils
        .post(
            "/settings/proxy",
            &[("pid", &anne), ("scope", "limited"), ("end", "2099-12-31")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    let stored: Vec<Value> = consents(&demo, &nils_token, "elderly-father")
        .await
        .into_iter()
        .filter(|c| c["provision"]["actor"][0]["reference"]["identifier"]["value"] == anne.as_str())
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let mut c = stored[0].clone();
    let recorded = c["dateTime"].as_str().expect("dateTime").to_owned();
    assert!(
        recorded.ends_with("+01:00") || recorded.ends_with("+02:00"),
        "{recorded}"
    );
    for k in ["id", "meta"] {
        c.as_object_mut().map(|o| o.remove(k));
    }
    assert_eq!(
        c,
        json!({
            "resourceType": "Consent",
            "status": "active",
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
            "category": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/grant-kind", "code": "proxy"}]}],
            "patient": {"reference": "Patient/elderly-father"},
            "dateTime": recorded,
            "performer": [{"reference": "Patient/elderly-father"}],
            "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
            "provision": {
                "type": "permit",
                "period": {"start": recorded, "end": "2099-12-31"},
                "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "POWATT"}]},
                           "reference": {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": anne}}}],
                "action": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/access-level", "code": "limited"}]}]
            }
        })
    );
    // A limited proxy sees Nils's name only (metadata), as § 6 says.
    let (status, patient) = demo.server.get(nils_patient, &anne_token).await;
    assert_eq!(status, StatusCode::OK, "{patient}");
    assert_eq!(
        patient["meta"]["security"][0]["code"], "REDACTED",
        "{patient}"
    );

    // The proxy is named by national id only; Anne's chooser still finds Nils
    // (`actor:identifier`), at the level the grant gives.
    let anne_portal = demo.login("guardian").await;
    let people = anne_portal.chooser().await;
    assert!(
        people
            .iter()
            .any(|p| p.starts_with("Nils") && p.ends_with("begrenset fullmakt")),
        "{people:?}"
    );

    // Ola's full proxy from the demo: Nils limits it, and Ola's chooser says so.
    let ola = demo.login("adult").await;
    assert!(ola
        .chooser()
        .await
        .iter()
        .any(|p| p.starts_with("Nils") && p.ends_with(", fullmakt")));
    let page = nils.get("/settings").await;
    let at = page
        .html
        .find("Full fullmakt: ser og gjør alt du kan")
        .expect("Ola's full proxy is listed");
    let handle = attr_after(&page.html[at..], "name=\"rule\" value=\"").expect("handle");
    let limit_at = page.html[at..]
        .find("action=\"/settings/limit\"")
        .expect("limit form");
    assert!(page.html[at + limit_at..].contains(&handle));
    let p = nils.post("/settings/limit", &[("rule", &handle)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert_eq!(
        notice(&nils.get("/settings").await.html).as_deref(),
        Some("Fullmakten er begrenset.")
    );
    let ola = demo.login("adult").await;
    assert!(
        ola.chooser()
            .await
            .iter()
            .any(|p| p.starts_with("Nils") && p.ends_with("begrenset fullmakt")),
        "{:?}",
        ola.chooser().await
    );
}

#[tokio::test]
async fn a_post_without_the_csrf_token_writes_nothing() {
    let demo = PortalDemo::start().await;
    let token = demo.server.citizen_token(&demo.pid("child-17")).await;
    let before = consents(&demo, &token, "child-17").await.len();
    let jonas = demo.login("child-17").await;
    for csrf in [None, Some("not-the-token")] {
        let mut fields: Vec<(&str, &str)> = vec![("who", "all"), ("strength", "hard")];
        // Without `_csrf` the helper would add the right one: send it by hand.
        let r = jonas
            .client
            .post(format!("{}/settings/block", jonas.base))
            .header(reqwest::header::COOKIE, &jonas.cookie)
            .form(&{
                if let Some(c) = csrf {
                    fields.push(("_csrf", c));
                }
                fields
            })
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "csrf {csrf:?}");
    }
    assert_eq!(consents(&demo, &token, "child-17").await.len(), before);
    // The same form with the token is stored.
    let p = jonas
        .post("/settings/block", &[("who", "all"), ("strength", "hard")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert_eq!(consents(&demo, &token, "child-17").await.len(), before + 1);
}

#[tokio::test]
async fn kari_closes_to_her_parents_and_her_mother_loses_the_opened_referral() {
    let demo = PortalDemo::start().await;
    let mother_token = demo.server.citizen_token(&demo.pid("mother")).await;
    let linked = [
        "ServiceRequest/referral-2",
        "Encounter/enc-child-13-barn-1",
        "DocumentReference/doc-child-13-barn-1",
    ];
    for item in linked {
        let (status, _) = demo
            .server
            .get(&format!("/fhir/{item}"), &mother_token)
            .await;
        assert_eq!(status, StatusCode::OK, "mother reads {item} before");
    }
    let referrals = "ServiceRequest?subject=Patient/child-13";
    assert_eq!(
        found(&demo, &mother_token, referrals).await,
        vec!["referral-2".to_owned()]
    );
    let mother = demo.login("mother").await;
    mother.act_for("Kari").await;
    let before = mother.tile_titles("referrals").await;
    assert_eq!(before.len(), 1, "{before:?}");

    let kari = demo.login("child-13").await;
    let page = kari.get("/settings").await;
    assert!(page.html.contains("action=\"/settings/deny-parents\""));
    assert!(
        !page.html.contains("action=\"/settings/proxy\""),
        "no proxy form for a 13-year-old"
    );
    let p = kari.post("/settings/deny-parents", &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);

    for item in linked {
        let (status, _) = demo
            .server
            .get(&format!("/fhir/{item}"), &mother_token)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "mother reads {item} after");
    }
    assert_eq!(
        found(&demo, &mother_token, referrals).await,
        Vec::<String>::new()
    );
    assert_eq!(mother.tile_titles("referrals").await, Vec::<String>::new());
    let tile = mother.get("/tiles/referrals").await;
    assert!(tile
        .html
        .contains("Ungdommen har valgt at foreldrene ikke skal se dette."));
    // The mother sees that a rule exists (who set it and when), and cannot lift it.
    let settings = mother.get("/settings").await;
    assert!(!settings.html.contains("action=\"/settings/lift\""));

    // A rule Kari may not set is refused by the store and said on the page.
    let p = kari.post("/settings/reservation", &[]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.html);
    assert!(p.html.contains("Regelen ble ikke lagret."), "{}", p.html);
}

#[tokio::test]
async fn the_lockdown_takes_a_second_step_and_closes_everything_until_lifted() {
    let demo = PortalDemo::start().await;
    let token = demo.server.citizen_token(&demo.pid("adult")).await;
    let docs = "DocumentReference?subject=Patient/adult&_count=100";
    let before = found(&demo, &token, docs).await;
    assert!(!before.is_empty());
    let rules_before = consents(&demo, &token, "adult").await.len();
    let ola = demo.login("adult").await;

    // First step: a confirmation page, nothing written yet.
    let p = ola
        .post(
            "/settings/lockdown",
            &[("category", "documents"), ("category", "letters")],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.html.contains("action=\"/settings/lockdown-confirm\""));
    assert!(p.html.contains("name=\"category\" value=\"documents\""));
    assert!(p.html.contains("name=\"category\" value=\"letters\""));
    assert!(p.html.contains("journaldokumenter, brev"));
    assert_eq!(consents(&demo, &token, "adult").await.len(), rules_before);

    let p = ola
        .post(
            "/settings/lockdown-confirm",
            &[("category", "documents"), ("category", "letters")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert_eq!(found(&demo, &token, docs).await, Vec::<String>::new());
    let page = ola.get("/settings").await;
    assert!(page
        .html
        .contains("<h3>Nødknapp: alt er stengt på nett</h3>"));
    assert!(page.html.contains("Bare: journaldokumenter, brev"));
    // The other rules stay readable: the lockdown does not hide the rules themselves.
    assert_eq!(
        consents(&demo, &token, "adult").await.len(),
        rules_before + 1
    );

    let handle = rule_handle(&page.html, "Nødknapp: alt er stengt på nett", "lift");
    let p = ola.post("/settings/lift", &[("rule", &handle)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
    assert_eq!(found(&demo, &token, docs).await, before);
}

/// (path, form fields, words the refusal must contain).
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

#[tokio::test]
async fn what_the_citizen_typed_wrong_is_said_and_nothing_is_written() {
    let demo = PortalDemo::start().await;
    let token = demo.server.citizen_token(&demo.pid("adult")).await;
    let rules_before = consents(&demo, &token, "adult").await.len();
    let ola = demo.login("adult").await;
    let cases: [Case; 3] = [
        (
            "/settings/block",
            &[("who", "named"), ("hpr", "12ab")],
            "HPR-nummeret er ikke gyldig.",
        ),
        (
            "/settings/proxy",
            &[("pid", "12345678901"), ("scope", "full")],
            "Fødselsnummeret er ikke gyldig.",
        ),
        (
            "/settings/block",
            &[
                ("who", "all"),
                ("start", "2027-01-10"),
                ("end", "2027-01-01"),
            ],
            "sluttdatoen er før startdatoen",
        ),
    ];
    for (path, form, words) in cases {
        let p = ola.post(path, form).await;
        assert_eq!(
            p.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {form:?}"
        );
        assert!(p.html.contains(words), "{path}: {}", p.html);
        assert!(p.html.contains("role=\"alert\""));
    }
    // A proxy to a 13-year-old is the store's to refuse (§ 3: a proxy is 18+).
    let p = ola
        .post(
            "/settings/proxy",
            &[("pid", &demo.pid("child-13")), ("scope", "full")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.html);
    assert!(p.html.contains("a proxy must be 18 or older"), "{}", p.html);
    assert_eq!(consents(&demo, &token, "adult").await.len(), rules_before);
    // Unknown actions are not found.
    assert_eq!(
        ola.post("/settings/nothing", &[]).await.status,
        StatusCode::NOT_FOUND
    );
}
