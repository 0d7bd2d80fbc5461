//! HelseID login of the workspace end to end against the local test issuer
//! (authorization code + PKCE, as a browser walks it), the refusals (wrong audience,
//! wrong nonce, expired token, no HPR number, security level below 4), and an
//! emergency access after it: the reason given reaches every AuditEvent of the access
//! (`purposeOfEvent.text`, read over FHIR by the patient) and the patient is told.
use nordlys_api::ApiConfig;
use nordlys_testkit::oidc::{PractitionerLogin, Tamper, TestIssuer};
use nordlys_testkit::portal::PortalDemo;
use nordlys_testkit::server::TestServer;
use nordlys_testkit::workspace::WorkspaceUser;
use nordlys_workspace::WorkspaceConfig;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, StatusCode};
use serde_json::Value;

/// Jon Karlsen, GP in Bodø: no care relationship to Kari.
const GP_HPR: &str = "3345120";
const REASON: &str = "Bevisstløs på legevakten, trenger legemiddelliste";

async fn demo_with_helseid() -> (PortalDemo, TestIssuer) {
    let issuer = TestIssuer::start().await;
    let server = TestServer::start_with_workspace(
        ApiConfig {
            dev_auth: true,
            ..ApiConfig::default()
        },
        &[issuer.issuer_config()],
        Default::default(),
        WorkspaceConfig {
            dev_login: true,
            oidc: Some(issuer.workspace_config()),
            ..WorkspaceConfig::default()
        },
    )
    .await;
    (PortalDemo::start_on(server).await, issuer)
}

fn gp_login(demo: &PortalDemo) -> PractitionerLogin {
    let gp = demo
        .region
        .practitioners
        .iter()
        .find(|p| p.key == "gp-bodo")
        .expect("demo GP");
    PractitionerLogin {
        hpr: Some(GP_HPR.into()),
        pid: "13097248022".into(),
        name: "Jon Karlsen".into(),
        orgnr_parent: gp.orgnr.clone(),
        orgnr_child: None,
        security_level: "4".into(),
    }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
}

fn cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")) && !c.starts_with(&format!("{name}=;")))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Walks the whole login; the callback's answer.
async fn walk(demo: &PortalDemo, b: &reqwest::Client) -> reqwest::Response {
    let r = b
        .get(demo.server.url("/clinician/login/helseid"))
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let login = cookie(&r, "nordlys_ws_login").expect("login cookie");
    let at_issuer = location(&r);
    assert!(
        at_issuer.contains("code_challenge_method=S256"),
        "{at_issuer}"
    );
    assert!(
        at_issuer.contains("client_id=nordlys-workspace"),
        "{at_issuer}"
    );
    let r = b.get(&at_issuer).send().await.expect("authorize");
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "issuer approves");
    let back = location(&r);
    assert!(back.contains("/clinician/login/callback?"), "{back}");
    b.get(&back)
        .header(COOKIE, login)
        .send()
        .await
        .expect("callback")
}

#[tokio::test]
async fn helseid_login_then_emergency_access_with_reason_in_the_audit_and_a_notice() {
    let (demo, issuer) = demo_with_helseid().await;
    let b = browser();
    let page = b
        .get(demo.server.url("/clinician/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .unwrap_or_default();
    assert!(page.contains("href=\"/clinician/login/helseid\""), "{page}");

    issuer.log_in_practitioner(gp_login(&demo));
    let r = walk(&demo, &b).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/clinician");
    let session = cookie(&r, "nordlys_wsid").expect("session cookie");
    let gp = WorkspaceUser {
        base: demo.server.base.clone(),
        client: b,
        cookie: session,
    };
    let home = gp.get("/clinician").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("Jon Karlsen") && home.html.contains(GP_HPR));
    let orgnr = gp_login(&demo).orgnr_parent;
    assert!(home.html.contains(&orgnr), "organisation number shown");

    let kari_pid = demo.pid("child-13");
    let overview = gp.open_patient(&kari_pid, "ETREAT", Some(REASON)).await;
    assert!(overview.html.contains("class=\"banner emergency\""));
    assert!(overview.html.contains(REASON));

    // Kari reads her AuditEvents over FHIR: every event of the GP carries ETREAT
    // with the reason as the purpose's text.
    let kari = demo.server.citizen_token(&kari_pid).await;
    let kari_id = "child-13";
    let (status, bundle) = demo
        .server
        .get(
            &format!("/fhir/AuditEvent?patient=Patient/{kari_id}&_count=500"),
            &kari,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bundle}");
    let entries: Vec<&Value> = bundle["entry"]
        .as_array()
        .map(|e| e.iter().map(|x| &x["resource"]).collect())
        .unwrap_or_default();
    let by_gp: Vec<&Value> = entries
        .into_iter()
        .filter(|ev| ev["agent"][0]["who"]["identifier"]["value"] == GP_HPR)
        .collect();
    // Events about items Kari sees only as metadata come redacted (the policy's
    // decision about the access log); every one she sees in full has the reason.
    let full: Vec<&&Value> = by_gp
        .iter()
        .filter(|ev| ev["meta"]["security"][0]["code"] != "REDACTED")
        .collect();
    assert!(!full.is_empty(), "{bundle}");
    for ev in &full {
        assert_eq!(
            ev["purposeOfEvent"][0]["coding"][0]["code"], "ETREAT",
            "{ev}"
        );
        assert_eq!(ev["purposeOfEvent"][0]["text"], REASON, "{ev}");
        assert_eq!(ev["outcomeDesc"], "emergency access");
    }

    // Kari is told, once for this practitioner and day, without clinical content.
    let ops = nordlys_testkit::fixtures::hospital_system();
    let outbox = demo
        .server
        .store
        .outbox_of_patient(&ops, kari_id)
        .await
        .expect("outbox");
    let notices: Vec<_> = outbox
        .iter()
        .filter(|e| e.kind == nordlys_store::notify::EMERGENCY_KIND)
        .collect();
    assert_eq!(notices.len(), 1, "{outbox:?}");
    assert_eq!(notices[0].person, kari_pid);
    assert!(notices[0].item.contains(&format!("/$emergency/{GP_HPR}/")));
}

#[tokio::test]
async fn helseid_refusals_leave_no_session() {
    let (demo, issuer) = demo_with_helseid().await;
    let cases: Vec<(&str, Tamper, PractitionerLogin, StatusCode, &str)> = vec![
        (
            "wrong audience",
            Tamper::WrongAudience,
            gp_login(&demo),
            StatusCode::BAD_REQUEST,
            "ble ikke fullført",
        ),
        (
            "wrong nonce",
            Tamper::WrongNonce,
            gp_login(&demo),
            StatusCode::BAD_REQUEST,
            "ble ikke fullført",
        ),
        (
            "expired",
            Tamper::Expired,
            gp_login(&demo),
            StatusCode::BAD_REQUEST,
            "ble ikke fullført",
        ),
        (
            "no HPR number",
            Tamper::Nothing,
            PractitionerLogin {
                hpr: None,
                ..gp_login(&demo)
            },
            StatusCode::FORBIDDEN,
            "Du har ikke HPR-nummer",
        ),
        (
            "security level 3",
            Tamper::Nothing,
            PractitionerLogin {
                security_level: "3".into(),
                ..gp_login(&demo)
            },
            StatusCode::FORBIDDEN,
            "høyt sikkerhetsnivå",
        ),
    ];
    for (name, tamper, login, status, words) in cases {
        issuer.tamper(tamper);
        issuer.log_in_practitioner(login);
        let b = browser();
        let r = walk(&demo, &b).await;
        assert_eq!(r.status(), status, "{name}");
        assert_eq!(cookie(&r, "nordlys_wsid"), None, "{name}: no session");
        let html = r.text().await.unwrap_or_default();
        assert!(html.contains(words), "{name}: {html}");
    }
    // A callback this browser did not start is refused too.
    issuer.tamper(Tamper::Nothing);
    issuer.log_in_practitioner(gp_login(&demo));
    let b = browser();
    let r = b
        .get(demo.server.url("/clinician/login/helseid"))
        .send()
        .await
        .expect("start");
    let at_issuer = location(&r);
    let back = location(&b.get(&at_issuer).send().await.expect("authorize"));
    let r = b.get(&back).send().await.expect("callback without cookie");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(cookie(&r, "nordlys_wsid"), None);
}
