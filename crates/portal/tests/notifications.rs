//! "Varsler" (`/settings/notifications`) without a browser: Ingrid's choice of
//! channels is stored for her (the store's `channels_of` answers it, which the
//! deliverer uses), a form without the CSRF token changes nothing, and with every
//! channel off the page says she will only see news when she logs in.
use nordlys_store::notify::Channels;
use nordlys_testkit::portal::PortalDemo;
use reqwest::StatusCode;

const PATH: &str = "/settings/notifications";

#[tokio::test]
async fn a_citizen_chooses_her_channels() {
    let demo = PortalDemo::start().await;
    let ingrid = demo.login("mother").await;
    let pid = demo.pid("mother");
    let store = &demo.server.store;

    let page = ingrid.get(PATH).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("<h1>Varsler</h1>"), "{}", page.html);
    assert_eq!(
        page.html.matches(" checked").count(),
        2,
        "both on until chosen"
    );
    assert!(ingrid
        .get("/settings")
        .await
        .html
        .contains(&format!("href=\"{PATH}\"")));

    let csrf = ingrid.csrf().await;
    let saved = ingrid
        .post(PATH, &[("_csrf", &csrf), ("email", "on")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.location.as_deref(), Some(PATH));
    let page = ingrid.get(PATH).await;
    assert!(page.html.contains("Varselvalgene dine er lagret."));
    assert_eq!(page.html.matches(" checked").count(), 1);
    assert_eq!(
        store.channels_of(&pid).await.expect("choice"),
        Channels {
            email: true,
            sms: false
        }
    );

    let refused = ingrid
        .post(PATH, &[("_csrf", "wrong"), ("sms", "on")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        store.channels_of(&pid).await.expect("choice"),
        Channels {
            email: true,
            sms: false
        }
    );

    ingrid.post(PATH, &[("_csrf", &csrf)]).await;
    let page = ingrid.get(PATH).await;
    assert!(page.html.contains("Du ser nytt bare når du logger inn."));
    assert_eq!(
        store.channels_of(&pid).await.expect("choice"),
        Channels {
            email: false,
            sms: false
        }
    );
    // Someone else's choice is untouched.
    assert_eq!(
        store
            .channels_of(&demo.pid("father"))
            .await
            .expect("choice"),
        Channels::default()
    );
}
