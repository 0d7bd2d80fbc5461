//! Production login end to end: the portal against a local OpenID Connect issuer
//! (authorization code + PKCE), as a browser would walk it — redirect to the issuer,
//! back with a code, session cookie — and the refusals: a callback this browser did
//! not start, a replayed code, a lower security level.
use std::collections::HashMap;

use nordlys_api::ApiConfig;
use nordlys_portal::PortalConfig;
use nordlys_testkit::oidc::TestIssuer;
use nordlys_testkit::portal::{options, PortalDemo};
use nordlys_testkit::server::TestServer;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, StatusCode};

async fn demo_with_issuer() -> (PortalDemo, TestIssuer) {
    let issuer = TestIssuer::start().await;
    let server = TestServer::start_full(
        ApiConfig::default(),
        &[issuer.issuer_config()],
        PortalConfig {
            oidc: Some(issuer.portal_config()),
            ..PortalConfig::default()
        },
    )
    .await;
    (PortalDemo::start_on(server).await, issuer)
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
        .find(|c| c.starts_with(&format!("{name}=")))
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

/// Starts a login: (the issuer URL the portal sent the browser to, the login cookie).
async fn begin(demo: &PortalDemo, b: &reqwest::Client) -> (String, String) {
    let r = b
        .get(demo.server.url("/login/oidc"))
        .send()
        .await
        .expect("start");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let login = cookie(&r, "nordlys_login").expect("login cookie");
    (location(&r), login)
}

/// The issuer approves and sends the browser back: the callback path with query.
async fn approve(b: &reqwest::Client, at_issuer: &str) -> String {
    let r = b.get(at_issuer).send().await.expect("authorize");
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "issuer approves");
    location(&r)
}

#[tokio::test]
async fn a_citizen_logs_in_through_the_issuer_with_pkce() {
    let (demo, issuer) = demo_with_issuer().await;
    let b = browser();
    let page = b
        .get(demo.server.url("/login"))
        .send()
        .await
        .expect("login page");
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("href=\"/login/oidc\""), "{html}");
    assert!(
        !html.contains("name=\"pid\""),
        "no development login in production"
    );

    issuer.log_in_as(&demo.pid("mother"), "idporten-loa-high");
    let (at_issuer, login) = begin(&demo, &b).await;
    assert!(at_issuer.starts_with(&format!("{}/authorize?", issuer.issuer)));
    let back = approve(&b, &at_issuer).await;
    let sent: HashMap<String, String> = issuer.authorize_requests().remove(0);
    assert_eq!(
        sent.get("code_challenge_method").map(String::as_str),
        Some("S256")
    );
    assert_eq!(sent.get("code_challenge").map(String::len), Some(43));
    assert_eq!(
        sent.get("acr_values").map(String::as_str),
        Some("idporten-loa-high")
    );
    assert_eq!(
        sent.get("redirect_uri").cloned(),
        Some(demo.server.url("/login/callback"))
    );
    assert!(
        !at_issuer.contains("code_verifier"),
        "the verifier never leaves the server"
    );

    let r = b
        .get(&back)
        .header(COOKIE, &login)
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
    assert_eq!(location(&r), "/");
    let sid = cookie(&r, "nordlys_sid").expect("session cookie");
    let home = b
        .get(demo.server.url("/"))
        .header(COOKIE, &sid)
        .send()
        .await
        .expect("home")
        .text()
        .await
        .unwrap_or_default();
    let people = options(&home);
    assert_eq!(people.len(), 3, "{people:?}");
    assert!(people[0].starts_with("Ingrid"), "{people:?}");

    // The code is single-use: the same callback again is refused.
    let again = b
        .get(&back)
        .header(COOKIE, &login)
        .send()
        .await
        .expect("replay");
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(cookie(&again, "nordlys_sid").is_none());
}

#[tokio::test]
async fn a_callback_this_browser_did_not_start_is_refused() {
    let (demo, issuer) = demo_with_issuer().await;
    issuer.log_in_as(&demo.pid("mother"), "idporten-loa-high");
    let victim = browser();
    let attacker = browser();
    // The attacker starts a login and lures the victim to the callback with it.
    let (at_issuer, _attackers_cookie) = begin(&demo, &attacker).await;
    let back = approve(&attacker, &at_issuer).await;
    let r = victim.get(&back).send().await.expect("callback");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(cookie(&r, "nordlys_sid").is_none());
    // With another login of the victim's own, the state still does not match.
    let (_, victims_cookie) = begin(&demo, &victim).await;
    let r = victim
        .get(&back)
        .header(COOKIE, &victims_cookie)
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(cookie(&r, "nordlys_sid").is_none());
}

#[tokio::test]
async fn a_lower_level_from_the_issuer_gives_only_the_explanation() {
    let (demo, issuer) = demo_with_issuer().await;
    issuer.log_in_as(&demo.pid("mother"), "idporten-loa-substantial");
    let b = browser();
    let (at_issuer, login) = begin(&demo, &b).await;
    let back = approve(&b, &at_issuer).await;
    let r = b
        .get(&back)
        .header(COOKIE, &login)
        .send()
        .await
        .expect("callback");
    let sid = cookie(&r, "nordlys_sid").expect("session cookie");
    let tile = b
        .get(demo.server.url("/tiles/journal"))
        .header(COOKIE, &sid)
        .send()
        .await
        .expect("tile");
    assert_eq!(tile.status(), StatusCode::FORBIDDEN);
    let home = b
        .get(demo.server.url("/"))
        .header(COOKIE, &sid)
        .send()
        .await
        .expect("home")
        .text()
        .await
        .unwrap_or_default();
    assert!(home.contains("sikkerhetsnivå høyt"), "{home}");
    assert_eq!(options(&home), Vec::<String>::new());
}
