//! Forms through the portal on the demo region: an appointment that brings a form
//! shows "Fyll ut" and the link opens the form prefilled for the person; the forms
//! tile lists the GP's request; the portal's send writes the response and the unit's
//! Task; a post without the CSRF token writes nothing.
use nordlys_store::RequestContext;
use nordlys_testkit::fixtures::citizen;
use nordlys_testkit::portal::{PortalDemo, PortalUser};
use reqwest::StatusCode;
use serde_json::json;

/// `href="/forms/…"` links on a page, in order.
fn form_links(html: &str) -> Vec<String> {
    html.split("href=\"/forms/")
        .skip(1)
        .filter_map(|rest| {
            rest.split('"')
                .next()
                .map(|h| format!("/forms/{}", h.replace("&amp;", "&")))
        })
        .collect()
}

async fn count(demo: &PortalDemo, rt: &str, params: &[(&str, &str)]) -> usize {
    let store = &demo.server.store;
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let request = store.parse_search(rt, &params, false).expect("search");
    let ctx: RequestContext = citizen(&demo.pid("mother"));
    store
        .search(&ctx, &request)
        .await
        .expect("search")
        .matches
        .len()
}

#[tokio::test]
async fn forms_from_an_appointment_and_a_request_are_filled_in_and_sent() {
    let demo = PortalDemo::start().await;
    let gp = nordlys_synth::UNN_ORGNR; // any unit: the appointment's owner
    let appt = json!({"resourceType": "Appointment", "id": "appt-with-form", "status": "booked",
        "start": "2030-01-02T08:00:00Z", "end": "2030-01-02T08:20:00Z",
        "description": "Kontroll lunge",
        "supportingInformation": [{"reference": "Questionnaire/skjema-luftveier"}],
        "participant": [{"actor": {"reference": "Patient/mother"}, "status": "accepted"}]});
    demo.server
        .store
        .unchecked_import(vec![appt], Some(gp))
        .await
        .expect("import");
    let ingrid: PortalUser = demo.login("mother").await;

    // The appointment page links to its form; the link opens it, prefilled-ready.
    let links = ingrid.tile_links("appointments").await;
    let mut found = Vec::new();
    for (handle, _) in &links {
        let p = ingrid.get(&format!("/tiles/appointments/{handle}")).await;
        found.extend(form_links(&p.html));
    }
    assert_eq!(found.len(), 1, "one appointment brings a form: {found:?}");
    let page = ingrid.get(&found[0]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Luftveisplager"), "{}", page.html);
    assert!(page.html.contains("name=\"fever\""));

    // The tile lists the GP office's request, and the journal-copy form prefilled.
    let tile = ingrid.get("/tiles/forms").await;
    assert!(
        tile.html.contains("Skjema du er bedt om å fylle ut"),
        "{}",
        tile.html
    );
    let offered = form_links(&tile.html);
    assert_eq!(
        offered.iter().filter(|l| l.contains("?request=")).count(),
        1,
        "{offered:?}"
    );
    let copy = offered
        .iter()
        .find(|l| !l.contains('?'))
        .cloned()
        .unwrap_or_default();
    let mut journal = None;
    for l in offered.iter().filter(|l| !l.contains('?')) {
        let p = ingrid.get(l).await;
        if p.html.contains("Be om kopi av journal") {
            journal = Some((l.clone(), p.html));
        }
    }
    let (journal_link, html) =
        journal.unwrap_or_else(|| panic!("no journal-copy form among {offered:?} ({copy})"));
    assert!(html.contains("value=\"Ingrid"), "the name is prefilled");

    // Without the CSRF token nothing is written; with it, the form is sent.
    let before = count(
        &demo,
        "QuestionnaireResponse",
        &[("subject", "Patient/mother")],
    )
    .await;
    let fields = [
        ("action", "send"),
        ("scope", "o0"),
        ("format", "o0"),
        ("who/who.name", "Ingrid Nilsen"),
        ("who/who.nid", &demo.pid("mother")),
        ("who/who.address", "Storgata 1"),
    ];
    let refused = ingrid
        .client
        .post(format!("{}{journal_link}", ingrid.base))
        .header("cookie", &ingrid.cookie)
        .form(&fields)
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        count(
            &demo,
            "QuestionnaireResponse",
            &[("subject", "Patient/mother")]
        )
        .await,
        before
    );
    let sent = ingrid.post(&journal_link, &fields).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    assert!(sent
        .location
        .as_deref()
        .is_some_and(|l| l.starts_with("/forms/sent/")));
    assert_eq!(
        count(
            &demo,
            "QuestionnaireResponse",
            &[("subject", "Patient/mother"), ("status", "completed")]
        )
        .await,
        before + 1
    );
}
