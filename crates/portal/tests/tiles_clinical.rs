//! The clinical tiles over HTTP on the real server with the demo region: test
//! results with history per analysis, referrals (and what a parent of a 13-year-old
//! must not see), appointments with the video link, home measurements per type.
//!
//! Why exact lists and counts: the tiles only show what the store returned with the
//! citizen's context, so each assertion is also a check that the page neither drops
//! nor adds anything — a missing analysis or one referral too many fails here.
use nordlys_testkit::portal::{attr_after, texts_of, PortalDemo};
use reqwest::StatusCode;

const ANALYSIS: &str = "<section class=\"analysis\"><h3>";
const VALUE: &str = "<td class=\"num\">";

#[tokio::test]
async fn mother_sees_her_own_results_with_tsh_history() {
    let demo = PortalDemo::start().await;
    let ingrid = demo.login("mother").await;
    ingrid.act_for("deg selv").await;
    let page = ingrid.get("/tiles/results").await;
    assert_eq!(page.status, StatusCode::OK);
    // One analysis (TSH) over three reports, newest first, with flags and one chart.
    assert_eq!(texts_of(&page.html, ANALYSIS), ["TSH"]);
    assert_eq!(
        texts_of(&page.html, VALUE),
        ["2,2 mIU/L", "3,1 mIU/L", "4,8 mIU/L"]
    );
    assert_eq!(page.html.matches("<td>0,5–3,6 mIU/L</td>").count(), 3);
    assert_eq!(page.html.matches("<td>Høy</td>").count(), 1);
    assert_eq!(page.html.matches("<td>Normal</td>").count(), 2);
    assert_eq!(page.html.matches("<svg class=\"chart\"").count(), 1);
    assert_eq!(page.html.matches("<rect class=\"band\"").count(), 1);
    // The kinds present: laboratory only.
    assert_eq!(
        texts_of(&page.html, "<h2 id=\"kind-0\">"),
        ["Blodprøver og andre laboratorieprøver"]
    );
    assert_eq!(page.html.matches("<section class=\"kind\"").count(), 1);
    assert_eq!(
        ingrid.tile_titles("results").await,
        ["Laboratory report"; 3]
    );
    // The newest report's detail page: its one value, performer by name.
    let handle = attr_after(&page.html, "<a href=\"/tiles/results/").expect("a report link");
    let detail = ingrid.get(&format!("/tiles/results/{handle}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(texts_of(&detail.html, "<th scope=\"row\">"), ["TSH"]);
    assert_eq!(texts_of(&detail.html, VALUE), ["2,2 mIU/L"]);
    assert!(detail.html.contains("<dd>Laboratoriemedisin, UNN</dd>"));
}

#[tokio::test]
async fn mother_acting_for_kari_sees_no_psychiatric_referral() {
    let demo = PortalDemo::start().await;
    let ingrid = demo.login("mother").await;
    ingrid.act_for("Kari").await;
    let page = ingrid.get("/tiles/referrals").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        texts_of(&page.html, "<span class=\"title\">"),
        ["Henvisning til barneavdelingen: astma"]
    );
    assert_eq!(
        texts_of(&page.html, "<span class=\"badge\">"),
        ["Ferdig behandlet"]
    );
    assert!(!page.html.contains("BUP"), "{}", page.html);
    assert!(!page.html.contains("ol class=\"timeline\""));
    // Her results are all linked to the BUP referral: nothing, not even a kind heading.
    let results = ingrid.get("/tiles/results").await;
    assert_eq!(results.status, StatusCode::OK);
    assert!(texts_of(&results.html, ANALYSIS).is_empty());
    assert_eq!(results.html.matches("<section class=\"kind\"").count(), 0);

    // Kari herself sees both referrals (the onward one is still deferred for her).
    let kari = demo.login("child-13").await;
    assert_eq!(
        kari.tile_titles("referrals").await,
        [
            "Henvisning til BUP: utredning",
            "Henvisning til barneavdelingen: astma"
        ]
    );
}

#[tokio::test]
async fn ola_sees_lab_history_pathology_appointments_and_his_fathers_measurements() {
    let demo = PortalDemo::start().await;
    let ola = demo.login("adult").await;
    ola.act_for("deg selv").await;
    let results = ola.get("/tiles/results").await;
    assert_eq!(
        texts_of(&results.html, ANALYSIS),
        ["HbA1c (IFCC)", "Kolesterol", "Kreatinin", "LDL-kolesterol"]
    );
    // Eight quarterly values per analysis; yesterday's deferred panel is not there.
    assert_eq!(texts_of(&results.html, VALUE).len(), 32);
    assert_eq!(results.html.matches("<svg class=\"chart\"").count(), 4);
    assert_eq!(results.html.matches("<section class=\"kind\"").count(), 2);
    assert!(results
        .html
        .contains("Hudbiopsi fra rygg: seboreisk keratose. Benign, ingen tegn til kreft."));
    // Lab requisitions are not referrals.
    assert_eq!(
        ola.tile_titles("referrals").await,
        ["Henvisning til medisinsk poliklinikk"]
    );
    // Upcoming first; the video appointment (two weekdays ahead) says when its link
    // comes (15 minutes before, docs/appointments.md) and offers the pre-check.
    let appts = ola.get("/tiles/appointments").await;
    assert_eq!(
        texts_of(&appts.html, "<span class=\"title\">"),
        ["Videokonsultasjon: diabetes", "Diabetespoliklinikk"]
    );
    let handle = attr_after(&appts.html, "<a href=\"/tiles/appointments/").expect("a link");
    let video = ola.get(&format!("/tiles/appointments/{handle}")).await;
    assert_eq!(
        video
            .html
            .matches("href=\"https://video.nordlys.no/m/unn-med-7f3a9c\"")
            .count(),
        0
    );
    assert!(video.html.contains("15 minutter før timen starter"));
    assert!(video.html.contains("href=\"/video-check\""));
    assert!(video
        .html
        .contains("<dd>Medisinsk poliklinikk, UNN Tromsø</dd>"));

    ola.act_for("Nils").await;
    let m = ola.get("/tiles/measurements").await;
    assert_eq!(m.status, StatusCode::OK);
    let headings: Vec<String> = m
        .html
        .split("<section class=\"measurement\"")
        .skip(1)
        .filter_map(|s| {
            let h = s.split_once("<h2")?.1.split_once('>')?.1;
            Some(h.split('<').next()?.to_owned())
        })
        .collect();
    assert_eq!(headings, ["Blodtrykk", "Oksygenmetning", "Vekt"]);
    // Fourteen days of each; blood pressure has a systolic and a diastolic column.
    assert_eq!(
        m.html.matches("<th scope=\"col\">Systolisk</th>").count(),
        1
    );
    assert_eq!(
        m.html.matches("<th scope=\"col\">Diastolisk</th>").count(),
        1
    );
    assert_eq!(texts_of(&m.html, VALUE).len(), 14 * 2 + 14 + 14);
    assert_eq!(m.html.matches("<svg class=\"chart\"").count(), 4);
    assert!(m.html.contains("<p class=\"count\">42 elementer</p>"));
}
