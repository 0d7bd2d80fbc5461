//! Flexible dialog opened in the clinician workspace (docs/dialog.md), as tests meet
//! it: the "Åpne dialog" form's choices read from the page, and the portal's
//! multipart reply form posted by hand.
//!
//! Why here: the workspace test and any later portal test share these readers
//! (fixtures live in the testkit, never copied between test files).
use reqwest::StatusCode;

use crate::browserless::strip_tags;
use crate::portal::PortalUser;

/// The recipient checkboxes of the form: (handle, label).
pub fn recipients(html: &str) -> Vec<(String, String)> {
    html.split("name=\"recipient\" value=\"")
        .skip(1)
        .map(|rest| {
            let handle = rest.split('"').next().unwrap_or_default().to_owned();
            let label = rest
                .split("</label>")
                .next()
                .and_then(|s| s.rsplit('>').next())
                .unwrap_or_default()
                .trim()
                .to_owned();
            (handle, label)
        })
        .collect()
}

/// The options of `<select name="{name}">`: (value, label).
pub fn select_options(html: &str, name: &str) -> Vec<(String, String)> {
    let marker = format!("name=\"{name}\"");
    let Some(select) = html
        .split(&marker)
        .nth(1)
        .and_then(|s| s.split("</select>").next())
    else {
        return Vec::new();
    };
    select
        .split("<option value=\"")
        .skip(1)
        .map(|o| {
            let value = o.split('"').next().unwrap_or_default().to_owned();
            let label = o
                .split_once('>')
                .map(|(_, l)| strip_tags(l.split("</option>").next().unwrap_or_default()))
                .unwrap_or_default();
            (value, label)
        })
        .collect()
}

/// The portal's `/dialog` link to the thread titled `topic`, if listed.
pub fn thread_link(html: &str, topic: &str) -> Option<String> {
    let at = html.find(&format!("\">{topic}</a>"))?;
    let start = html[..at].rfind("href=\"")? + "href=\"".len();
    Some(html[start..at].to_owned())
}

/// Posts the portal's reply form (multipart, no file) on `thread_path`; answers the
/// status and the body (redirects not followed).
pub async fn portal_reply(
    user: &PortalUser,
    thread_path: &str,
    text: &str,
) -> (StatusCode, String) {
    let boundary = "nordlysflexibledialogboundary";
    let csrf = user.csrf().await;
    let mut body = String::new();
    for (k, v) in [("_csrf", csrf.as_str()), ("text", text)] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let r = user
        .client
        .post(format!("{}{thread_path}/reply", user.base))
        .header("cookie", &user.cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {thread_path}/reply: {e}"));
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}
