//! The portal's dialog pages over HTTP on the demo (docs/dialog.md): Kari (13) sees
//! her thread and BUP's form and writes (a file lying about its type refused with a
//! 415 page, nothing written; a real PDF taken); her mother, acting for her while the
//! BUP referral is closed to parents, sees neither the thread nor the unit; a post
//! without the CSRF token writes nothing.
use nordlys_testkit::portal::{attr_after, PortalDemo, PortalUser};
use reqwest::StatusCode;

/// Posts a multipart form (fields, and one file `(name, type, bytes)`) with the
/// session cookie; answers the status and the body (redirects not followed).
async fn post_multipart(
    user: &PortalUser,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> (StatusCode, String, Option<String>) {
    let boundary = "nordlysdialogtestboundary";
    let mut body: Vec<u8> = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, ct, bytes)) = file {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n").as_bytes());
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    let r = user
        .client
        .post(format!("{}{path}", user.base))
        .header("cookie", &user.cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    (status, r.text().await.unwrap_or_default(), location)
}

#[tokio::test]
async fn kari_writes_to_bup_and_her_mother_sees_nothing_of_it() {
    let demo = PortalDemo::start().await;
    let kari = demo.login("child-13").await;
    let page = kari.get("/dialog").await;
    assert!(page.html.contains("Neste samtale"), "her demo thread");
    assert!(
        page.html.contains("BUP Tromsø"),
        "the unit she may write to"
    );
    let unit = attr_after(&page.html, "name=\"unit\" value=\"").unwrap_or_default();
    let csrf = kari.csrf().await;
    let fields = [
        ("_csrf", csrf.as_str()),
        ("unit", unit.as_str()),
        ("topic", "Skolen"),
        ("text", "Kan dere skrive et brev til skolen?"),
    ];

    let (status, html, _) = post_multipart(
        &kari,
        "/dialog/new",
        &fields,
        Some(("brev.pdf", "application/pdf", b"<html>not a pdf</html>")),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(html.contains("Filen kan ikke sendes"), "{html}");
    assert!(
        !kari.get("/dialog").await.html.contains("Skolen"),
        "nothing written"
    );

    let (status, _, _) = post_multipart(&kari, "/dialog/new", &fields[1..], None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    assert!(!kari.get("/dialog").await.html.contains("Skolen"));

    let (status, _, location) = post_multipart(
        &kari,
        "/dialog/new",
        &fields,
        Some(("brev.pdf", "application/pdf", b"%PDF-1.4 brev")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let thread = kari.get(&location.unwrap_or_default()).await;
    assert!(thread.html.contains("Kan dere skrive et brev til skolen?"));
    assert!(thread.html.contains("Vedlegg: brev.pdf"));
    assert!(kari.get("/dialog").await.html.contains("Skolen"));

    // Her mother, acting for her: the BUP referral is not opened to parents.
    let mother = demo.login("mother").await;
    mother.act_for("Kari").await;
    let page = mother.get("/dialog").await;
    assert!(!page.html.contains("Skolen") && !page.html.contains("Neste samtale"));
    assert!(
        !page.html.contains("name=\"unit\""),
        "no unit to write to for Kari"
    );
}
