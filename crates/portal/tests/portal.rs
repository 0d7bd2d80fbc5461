//! The portal's frame over HTTP on the real server with the demo region: login,
//! whom one acts for, sessions, CSRF, headers, languages, and that addresses carry
//! no ids. The tiles' contents are tested in their own files.
use nordlys_testkit::portal::{texts_of, PortalDemo, PortalUser};
use reqwest::StatusCode;

#[tokio::test]
async fn chooser_lists_exactly_whom_the_rules_allow() {
    let demo = PortalDemo::start().await;
    let mother = demo.login("mother").await;
    let people = mother.chooser().await;
    // Jonas (17) is not there: parents of 16+ see nothing. Sara is not her child.
    assert_eq!(people.len(), 3, "{people:?}");
    assert!(
        people[0].starts_with("Ingrid") && people[0].ends_with("deg selv"),
        "{people:?}"
    );
    let children: Vec<&String> = people[1..].iter().collect();
    assert!(
        children
            .iter()
            .any(|p| p.starts_with("Kari") && p.contains("(13 år)")),
        "{people:?}"
    );
    assert!(
        children
            .iter()
            .any(|p| p.starts_with("Emma") && p.contains("(8 år)")),
        "{people:?}"
    );

    let ola = demo.login("adult").await;
    let people = ola.chooser().await;
    assert_eq!(people.len(), 2, "{people:?}");
    assert!(
        people[1].starts_with("Nils") && people[1].ends_with("fullmakt"),
        "{people:?}"
    );

    let marit = demo.login("foster-parent").await;
    let people = marit.chooser().await;
    assert_eq!(people.len(), 1, "{people:?}");
    assert!(
        people[0].starts_with("Sara") && people[0].ends_with("fosterbarnet ditt"),
        "{people:?}"
    );

    // The birth mother with a confidential-address child has nobody to act for.
    let line = demo.login("birth-mother").await;
    assert_eq!(line.chooser().await, Vec::<String>::new());
    let home = line.get("/").await;
    assert!(home.html.contains("Ingen journal å vise"), "{}", home.html);
}

#[tokio::test]
async fn the_session_cookie_is_strict_and_logout_ends_it() {
    let demo = PortalDemo::start().await;
    let anon = demo.server.client.get(demo.server.url("/")).send().await;
    // reqwest follows redirects by default: the anonymous visitor lands on /login.
    let anon = anon.expect("GET /");
    assert_eq!(anon.url().path(), "/login");

    let user = demo.login("mother").await;
    let c = &user.set_cookie;
    assert!(
        c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"),
        "{c}"
    );
    assert_eq!(user.get("/").await.status, StatusCode::OK);

    let wrong = user.post("/logout", &[("_csrf", "not-the-token")]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(
        user.get("/").await.status,
        StatusCode::OK,
        "a refused logout ends nothing"
    );

    let out = user.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location.as_deref(), Some("/login"));
    let after = user.get("/").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn cross_site_and_tokenless_posts_change_nothing() {
    let demo = PortalDemo::start().await;
    let user = demo.login("mother").await;
    let before = user.get("/").await;
    assert!(
        before.html.contains("Du ser tjenestene for Ingrid"),
        "{}",
        before.html
    );

    let no_token = user
        .post("/act-for", &[("person", "1"), ("_csrf", "")])
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let r = user
        .client
        .post(format!("{}/act-for", user.base))
        .header("cookie", &user.cookie)
        .header("origin", "https://evil.example")
        .form(&[("person", "1"), ("_csrf", user.csrf().await.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let after = user.get("/").await;
    assert!(
        after.html.contains("Du ser tjenestene for Ingrid"),
        "still herself"
    );

    user.act_for("Kari").await;
    let switched = user.get("/").await;
    assert!(
        switched.html.contains("Du ser tjenestene for Kari"),
        "{}",
        switched.html
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_no_script() {
    let demo = PortalDemo::start().await;
    let user = demo.login("mother").await;
    for path in ["/", "/tiles/journal", "/settings", "/login"] {
        let p = user.get(path).await;
        let csp = p
            .headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("script-src"),
            "{path}: {csp}"
        );
        assert_eq!(
            p.headers.get("x-frame-options").map(|v| v.as_bytes()),
            Some(&b"DENY"[..])
        );
        assert_eq!(
            p.headers.get("cache-control").map(|v| v.as_bytes()),
            Some(&b"no-store"[..])
        );
        assert!(!p.html.contains("<script"), "{path} has a script");
    }
}

#[tokio::test]
async fn addresses_carry_handles_never_ids_and_handles_stay_in_their_session() {
    let demo = PortalDemo::start().await;
    let kari = demo.login("child-13").await;
    let list = kari.get("/tiles/journal").await;
    assert_eq!(list.status, StatusCode::OK);
    let links: Vec<String> = list
        .html
        .split("href=\"/tiles/journal/")
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_owned))
        .collect();
    assert!(!links.is_empty(), "Kari has journal documents");
    for handle in &links {
        assert_eq!(handle.len(), 16, "{handle}");
        assert!(handle.chars().all(|c| c.is_ascii_hexdigit()), "{handle}");
    }
    let detail = kari.get(&format!("/tiles/journal/{}", links[0])).await;
    assert_eq!(detail.status, StatusCode::OK);

    // Another person's session cannot use Kari's handle.
    let mother = demo.login("mother").await;
    mother.act_for("Kari").await;
    let foreign = mother.get(&format!("/tiles/journal/{}", links[0])).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert!(!foreign.html.contains(&links[0]) || foreign.html.contains("Fant ikke"));
}

#[tokio::test]
async fn languages_switch_and_stay() {
    let demo = PortalDemo::start().await;
    let user = demo.login("mother").await;
    let en = user.get("/?lang=en").await;
    assert!(
        en.html.contains("<html lang=\"en\">"),
        "{}",
        &en.html[..200.min(en.html.len())]
    );
    assert_eq!(texts_of(&en.html, "<h1>"), vec!["My health".to_owned()]);
    let set = en
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("nordlys_lang=en"));
    assert!(set, "the choice is remembered");
    for (code, heading) in [
        ("nn", "<html lang=\"nn\">"),
        ("se", "<html lang=\"se\">"),
        ("nb", "<html lang=\"nb\">"),
    ] {
        let p = user.get(&format!("/tiles/journal?lang={code}")).await;
        assert!(p.html.contains(heading), "{code}");
    }
}

#[tokio::test]
async fn a_lower_security_level_sees_only_the_explanation() {
    let demo = PortalDemo::start().await;
    let pid = demo.pid("mother");
    let user = PortalUser::login(&demo.server, &pid, "substantial").await;
    let home = user.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("sikkerhetsnivå høyt"), "{}", home.html);
    assert!(
        !home.html.contains("Kari"),
        "no names of others at a low level"
    );
    let tile = user.get("/tiles/journal").await;
    assert_eq!(tile.status, StatusCode::FORBIDDEN);
    assert_eq!(
        texts_of(&tile.html, "<span class=\"title\">"),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn unknown_tiles_and_handles_are_plain_not_found() {
    let demo = PortalDemo::start().await;
    let user = demo.login("mother").await;
    assert_eq!(
        user.get("/tiles/nonsense").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        user.get("/tiles/journal/0123456789abcdef").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        user.get("/content/0123456789abcdef").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn home_links_every_tile_and_the_settings() {
    let demo = PortalDemo::start().await;
    let user = demo.login("mother").await;
    let home = user.get("/").await;
    let links: Vec<String> = home
        .html
        .split("<li class=\"tile")
        .skip(1)
        .filter_map(|s| s.split("href=\"").nth(1))
        .filter_map(|s| s.split('"').next().map(str::to_owned))
        .collect();
    let mut expected: Vec<String> = nordlys_portal::tiles::SLUGS
        .iter()
        .map(|t| format!("/tiles/{t}"))
        .collect();
    expected.push("/settings".into());
    for path in &expected {
        assert!(links.contains(path), "{path} missing from {links:?}");
    }
}

#[tokio::test]
async fn the_chooser_forgets_a_revoked_proxy_on_the_next_page() {
    let demo = PortalDemo::start().await;
    let nils = demo.server.citizen_token(&demo.pid("elderly-father")).await;
    let anne_pid = demo.pid("guardian");
    let grant = serde_json::json!({
        "resourceType": "Consent", "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/grant-kind", "code": "proxy"}]}],
        "patient": {"reference": "Patient/elderly-father"},
        "dateTime": "2026-01-01T10:00:00+01:00",
        "performer": [{"reference": "Patient/elderly-father"}],
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {"type": "permit",
            "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "POWATT"}]},
                       "reference": {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": anne_pid}}}],
            "action": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/access-level", "code": "full"}]}]}
    });
    let (status, stored) = demo
        .server
        .send(reqwest::Method::POST, "/fhir/Consent", &nils, &grant)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    let anne = demo.login("guardian").await;
    let before = anne.chooser().await;
    assert!(before.iter().any(|p| p.starts_with("Nils")), "{before:?}");
    let id = stored["id"].as_str().expect("id").to_owned();
    let mut revoked = stored.clone();
    revoked["status"] = serde_json::json!("inactive");
    let (status, _) = demo
        .server
        .send(
            reqwest::Method::PUT,
            &format!("/fhir/Consent/{id}"),
            &nils,
            &revoked,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let after = anne.chooser().await;
    assert_eq!(after.len(), before.len() - 1, "{after:?}");
    assert!(!after.iter().any(|p| p.starts_with("Nils")), "{after:?}");
}

#[tokio::test]
async fn an_item_page_is_for_the_person_acted_for_only() {
    let demo = PortalDemo::start().await;
    let mother = demo.login("mother").await;
    mother.act_for("Emma").await;
    let list = mother.get("/tiles/vaccinations").await;
    let handle = list
        .html
        .split("href=\"/tiles/vaccinations/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("Emma has vaccinations")
        .to_owned();
    let path = format!("/tiles/vaccinations/{handle}");
    assert_eq!(mother.get(&path).await.status, StatusCode::OK);
    mother.act_for("Ingrid").await;
    let other = mother.get(&path).await;
    assert_eq!(
        other.status,
        StatusCode::NOT_FOUND,
        "Emma's item under Ingrid's name"
    );
    mother.act_for("Emma").await;
    assert_eq!(mother.get(&path).await.status, StatusCode::OK);
}

/// A lockdown of the whole record closes even the citizen's own demographics, but the
/// citizen must still act for themself (to see why, and to lift it): the chooser keeps
/// them first, and the home page stays theirs, not the next person's.
#[tokio::test]
async fn a_whole_record_lockdown_keeps_the_citizen_acting_for_themself() {
    let demo = PortalDemo::start().await;
    let ola = demo.login("adult").await;
    let before = ola.chooser().await;
    assert!(
        before[0].starts_with("Ola") && before[0].ends_with("deg selv"),
        "{before:?}"
    );
    let first = ola.post("/settings/lockdown", &[]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.html);
    let confirmed = ola.post("/settings/lockdown-confirm", &[]).await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.html
    );
    let home = ola.get("/").await;
    assert!(
        home.html.contains("Du ser tjenestene for Ola"),
        "{}",
        home.html
    );
    assert_eq!(ola.chooser().await, before);
    assert_eq!(
        ola.tile_titles("journal").await,
        Vec::<String>::new(),
        "his own documents are closed, and none of Nils's are shown instead"
    );
}
