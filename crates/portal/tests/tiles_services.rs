//! The service tiles over HTTP on the real server with the demo region: medication
//! with the youth's "only you" badge, the care plan a proxy sees, message threads,
//! forms, vaccinations, the access log, letters unread until the patient opens them,
//! and the glossary below a journal text.
//!
//! Why exact lists: every item on these pages comes from a store call made with the
//! citizen's context, so an exact list checks both that the page draws what the store
//! returned and that the policy let through exactly what access-policy.md § 6 says —
//! one prescription too many for a parent fails here.
use nordlys_testkit::portal::{table_rows, texts_of, PortalDemo, PortalUser};
use reqwest::StatusCode;
use serde_json::json;

const TITLE: &str = "<span class=\"title\">";
const BADGE: &str = "<span class=\"badge\">";
const DETAIL: &str = "<span class=\"detail\">";

/// The access log's rows (cell texts).
async fn log_rows(user: &PortalUser) -> Vec<Vec<String>> {
    let page = user.get("/tiles/accesslog").await;
    assert_eq!(page.status, StatusCode::OK);
    table_rows(&page.html)
}

#[tokio::test]
async fn kari_sees_her_only_you_prescription_and_her_mother_does_not() {
    let demo = PortalDemo::start().await;
    let kari = demo.login("child-13").await;
    let page = kari.get("/tiles/medication").await;
    assert_eq!(
        texts_of(&page.html, TITLE),
        [
            "Sertralin 50 mg tablett",
            "Ventoline (salbutamol) inhalasjonsaerosol"
        ]
    );
    assert_eq!(
        texts_of(&page.html, BADGE),
        ["Bare du ser denne", "Delt med foreldre"]
    );
    assert_eq!(
        texts_of(&page.html, DETAIL),
        [
            "1 tablett om morgenen · Erik Strand",
            "1-2 doser ved behov · Sofie Eriksen"
        ]
    );
    let detail = kari
        .open_item("medication", "Sertralin 50 mg tablett")
        .await;
    assert_eq!(
        texts_of(&detail, "<span class=\"badge youth\">"),
        ["Bare du ser denne"]
    );
    assert!(detail.contains("<dd lang=\"nb\">1 tablett om morgenen</dd>"));
    assert!(detail.contains("<dd>Erik Strand</dd>"));

    // Her mother acting for her sees only the shared one, and no badge: the marking
    // is for the youth herself.
    let ingrid = demo.login("mother").await;
    ingrid.act_for("Kari").await;
    let page = ingrid.get("/tiles/medication").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        texts_of(&page.html, TITLE),
        ["Ventoline (salbutamol) inhalasjonsaerosol"]
    );
    assert!(texts_of(&page.html, BADGE).is_empty());
    assert!(!page.html.contains("Sertralin"));
    assert!(!page.html.contains("Bare du ser denne"));
    assert!(!page.html.contains("Delt med foreldre"));
    // Her own list has no youth badges.
    ingrid.act_for("deg selv").await;
    let page = ingrid.get("/tiles/medication").await;
    assert_eq!(
        texts_of(&page.html, TITLE),
        ["Levaxin (levotyroksin) 50 mikrogram"]
    );
    assert!(texts_of(&page.html, BADGE).is_empty());
}

#[tokio::test]
async fn ola_acting_for_nils_sees_the_care_plan_and_the_conversation() {
    let demo = PortalDemo::start().await;
    let ola = demo.login("adult").await;
    ola.act_for("Nils").await;
    assert_eq!(
        ola.tile_titles("careplan").await,
        ["Behandlings- og egenbehandlingsplan"]
    );
    let plan = ola
        .open_item("careplan", "Behandlings- og egenbehandlingsplan")
        .await;
    assert_eq!(
        texts_of(&plan, "<section class=\"matters\" aria-labelledby=\"plan-matters\"><h2 id=\"plan-matters\">Det som er viktig for deg</h2><p lang=\"nb\">"),
        ["Det som er viktig for meg: å gå tur til båthavna og fiske med barnebarna"]
    );
    assert_eq!(
        texts_of(&plan, "<li><span lang=\"nb\">"),
        ["Stabil vekt (innenfor 2 kg) uten økende hevelse i beina"]
    );
    assert_eq!(
        texts_of(&plan, "<th scope=\"row\" lang=\"nb\">"),
        [
            "Justere vanndrivende etter vekt",
            "Ukentlig besøk av hjemmesykepleien"
        ]
    );
    assert_eq!(
        texts_of(&plan, "<td>"),
        [
            "Marte Lund",
            "Hjertepoliklinikken, Nordlandssykehuset Bodø",
            "Liv Andreassen",
            "Bodø kommune, hjemmetjenesten"
        ]
    );
    let own = plan.split("id=\"plan-own\"").nth(1).unwrap_or_default();
    assert_eq!(
        texts_of(own, "<li>"),
        [
            "Veie meg hver morgen og sende målingen",
            "Måle oksygenmetning ved tung pust"
        ]
    );

    // The conversation about Nils: Ola wrote, the GP answered.
    let page = ola.get("/tiles/messages").await;
    assert_eq!(texts_of(&page.html, TITLE), ["Vektøkning"]);
    assert_eq!(
        texts_of(&page.html, DETAIL),
        ["2 meldinger · sist fra Jon Karlsen"]
    );
    let thread = ola.open_item("messages", "Vektøkning").await;
    assert_eq!(
        texts_of(&thread, "<span class=\"sender\">"),
        ["Deg", "Jon Karlsen"]
    );
    assert_eq!(
        texts_of(&thread, "<p class=\"read\">"),
        ["Lest", "Ikke lest ennå"]
    );
}

#[tokio::test]
async fn kari_reads_her_thread_in_order() {
    let demo = PortalDemo::start().await;
    let kari = demo.login("child-13").await;
    let page = kari.get("/tiles/messages").await;
    // Newest first: her dialog thread with BUP (docs/dialog.md), then the older one.
    assert_eq!(
        texts_of(&page.html, TITLE),
        ["Neste samtale", "Spørsmål om neste time"]
    );
    assert_eq!(
        texts_of(&page.html, DETAIL),
        [
            "1 meldinger · sist fra Kari Nilsen",
            "3 meldinger · sist fra Kari Nilsen"
        ]
    );
    let thread = kari.open_item("messages", "Spørsmål om neste time").await;
    assert_eq!(
        texts_of(&thread, "<span class=\"sender\">"),
        ["Kari Nilsen", "Erik Strand", "Kari Nilsen"]
    );
    assert_eq!(
        texts_of(&thread, "<p class=\"text\" lang=\"nb\">"),
        [
            "Hei! Kan jeg ta med mamma på neste time, eller må jeg komme alene?",
            "Hei Kari. Det bestemmer du selv. Vi kan også snakke alene først.",
            "Takk! Da kommer jeg alene først."
        ]
    );
    assert_eq!(
        texts_of(&thread, "<p class=\"read\">"),
        ["Lest", "Lest", "Ikke lest ennå"]
    );
    // Vaccinations: her four, newest first, with dose and who gave them.
    let page = kari.get("/tiles/vaccinations").await;
    assert_eq!(
        texts_of(&page.html, TITLE),
        [
            "Gardasil 9 (HPV)",
            "Priorix (MMR)",
            "Tetravac (DTaP-IPV)",
            "Priorix (MMR)"
        ]
    );
    assert_eq!(
        texts_of(&page.html, DETAIL),
        [
            "Dose 1 · Hanne Berg",
            "Dose 2 · Hanne Berg",
            "Dose 1 · Hanne Berg",
            "Dose 1 · Hanne Berg"
        ]
    );
}

#[tokio::test]
async fn a_letter_is_unread_until_the_patient_opens_it_and_the_log_shows_who_did() {
    let demo = PortalDemo::start().await;
    let ola = demo.login("adult").await;
    let letter = "Innkalling til videokonsultasjon";
    let page = ola.get("/tiles/letters").await;
    assert_eq!(texts_of(&page.html, TITLE), [letter]);
    assert_eq!(texts_of(&page.html, BADGE), ["Ulest"]);

    // A clinician opening it in an emergency does not make it read for Ola.
    let doctor = demo
        .region
        .practitioners
        .iter()
        .find(|p| p.key == "ward-doctor")
        .expect("ward doctor");
    let token = demo
        .server
        .practitioner_token(&doctor.hpr, &doctor.orgnr, Some("ETREAT"))
        .await;
    let (status, _) = demo
        .server
        .get("/fhir/DocumentReference/letter-adult-1", &token)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        texts_of(&ola.get("/tiles/letters").await.html, BADGE),
        ["Ulest"]
    );

    // Ola opens it: read.
    let detail = ola.open_item("letters", letter).await;
    assert!(detail.contains("Du har fått time til videokonsultasjon."));
    let page = ola.get("/tiles/letters").await;
    assert_eq!(texts_of(&page.html, TITLE), [letter]);
    assert!(texts_of(&page.html, BADGE).is_empty(), "{}", page.html);

    // His access log: the emergency read by the doctor, named, with the flag, and
    // exactly one opening by himself.
    let rows = log_rows(&ola).await;
    let emergency: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r.iter().any(|c| c.contains("Nødtilgang")))
        .collect();
    assert_eq!(emergency.len(), 1, "{rows:?}");
    let e = emergency[0];
    assert_eq!(
        e[1..],
        [
            "Erik Strand",
            "Helsepersonell",
            "Universitetssykehuset Nord-Norge HF",
            "Åpnet: Dokumenter og brev",
            "Akutt behandling Nødtilgang",
            ""
        ]
    );
    let own_reads: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[1] == "Deg" && r[4] == "Åpnet: Dokumenter og brev")
        .collect();
    assert_eq!(own_reads.len(), 1, "{rows:?}");
    assert_eq!(own_reads[0][2..4], ["Innbygger", ""]);
    assert_eq!(own_reads[0][6], "");
}

#[tokio::test]
async fn the_access_log_lists_the_mothers_own_read_and_the_fathers() {
    let demo = PortalDemo::start().await;
    let ingrid = demo.login("mother").await;
    ingrid.act_for("Emma").await;
    let journal = ingrid.tile_links("journal").await;
    assert_eq!(journal.len(), 1, "{journal:?}");
    let title = journal[0].1.clone();
    ingrid.open_item("journal", &title).await;
    let lars = demo.login("father").await;
    lars.act_for("Emma").await;
    lars.open_item("journal", &title).await;

    let rows = log_rows(&ingrid).await;
    let reads: Vec<Vec<String>> = rows
        .into_iter()
        .filter(|r| r[4] == "Åpnet: Dokumenter og brev")
        .map(|r| r[1..].to_vec())
        .collect();
    assert_eq!(
        reads,
        [
            [
                "Lars Nilsen",
                "Innbygger",
                "",
                "Åpnet: Dokumenter og brev",
                "",
                "Emma Nilsen"
            ],
            [
                "Deg",
                "Innbygger",
                "",
                "Åpnet: Dokumenter og brev",
                "",
                "Emma Nilsen"
            ],
        ]
    );
}

#[tokio::test]
async fn the_glossary_explains_words_of_the_text_and_forms_show_answers() {
    let demo = PortalDemo::start().await;
    let ola = demo.login("adult").await;
    let doc = ola
        .open_item("journal", "Konsultasjon: diabeteskontroll")
        .await;
    assert_eq!(texts_of(&doc, "<dt><dfn>"), ["kontroll"]);
    assert!(doc.contains("<h2 id=\"glossary-title\">Ord og uttrykk</h2>"));
    let plain = ola
        .open_item("journal", "Poliklinisk notat: diabetes")
        .await;
    assert!(!plain.contains("Ord og uttrykk"), "{plain}");

    // A form Ola filled in, named by its Questionnaire.
    let report = demo
        .server
        .store
        .unchecked_import(
            vec![
                json!({"resourceType": "Questionnaire", "id": "q-self", "status": "active",
                       "url": "https://nordlys.no/fhir/Questionnaire/egenvurdering", "title": "Egenvurdering før kontroll"}),
                json!({"resourceType": "QuestionnaireResponse", "id": "qr-adult-1", "status": "completed",
                       "questionnaire": "https://nordlys.no/fhir/Questionnaire/egenvurdering",
                       "subject": {"reference": "Patient/adult"}, "authored": "2026-11-01T10:00:00+01:00",
                       "item": [
                           {"linkId": "1", "text": "Har du hatt føling siste måned?", "answer": [{"valueBoolean": true}]},
                           {"linkId": "2", "text": "Hvor mange ganger?", "answer": [{"valueInteger": 2}]},
                           {"linkId": "3", "text": "Annet du vil fortelle?"}
                       ]}),
            ],
            Some("818200218"),
        )
        .await
        .expect("import a form");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let page = ola.get("/tiles/forms").await;
    assert_eq!(texts_of(&page.html, TITLE), ["Egenvurdering før kontroll"]);
    assert_eq!(texts_of(&page.html, BADGE), ["Sendt inn"]);
    let form = ola.open_item("forms", "Egenvurdering før kontroll").await;
    assert_eq!(
        texts_of(&form, "<dt class=\"depth-0\">"),
        [
            "Har du hatt føling siste måned?",
            "Hvor mange ganger?",
            "Annet du vil fortelle?"
        ]
    );
    let answers = form
        .split("<dl class=\"answers\"")
        .nth(1)
        .unwrap_or_default();
    assert_eq!(texts_of(answers, "<dd>"), ["Ja", "2"]);
    assert_eq!(texts_of(answers, "<dd class=\"none\">"), ["Ikke besvart"]);
}
