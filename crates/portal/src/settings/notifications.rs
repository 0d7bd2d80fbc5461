//! "Varsler" (`/settings/notifications`): the citizen chooses how Nordlys tells them
//! about news — e-mail on/off, SMS on/off — and sees which address and number are on
//! file, masked.
//!
//! Why its own page and not part of the privacy settings: those are the rules of the
//! person acted for; this choice belongs to the person logged in (a parent's choice
//! covers news about their children too), whoever they act for. The portal shows and
//! posts; the store's dedicated operation (`FhirStore::set_my_channels`) writes the
//! caller's own choice only. Why masked: the page proves the number is the right one
//! without showing it whole to someone looking over the shoulder.
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use nordlys_policy::Principal;
use nordlys_store::notify::Channels;

use crate::fetch::{error_page, PortalError};
use crate::i18n::text;
use crate::page::{respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Citizen;
use crate::PortalState;

const PATH: &str = "/settings/notifications";

/// `kari.nordmann@example.no` → `ka…@example.no`; `+4791234567` → `•••• 4567`.
pub fn mask(value: &str) -> String {
    if let Some((local, domain)) = value.split_once('@') {
        let keep: String = local.chars().take(2).collect();
        return format!("{keep}…@{domain}");
    }
    let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("•••• {tail}")
}

/// `GET /settings/notifications`.
pub async fn page(State(state): State<PortalState>, citizen: Citizen) -> Response {
    let saved = state
        .sessions
        .update(&citizen.sid, |s| s.flash.take())
        .flatten();
    let lang = citizen.lang;
    let title = text(lang, "notify.title");
    let Principal::Citizen { pid, .. } = &citizen.ctx.principal else {
        return Redirect::to("/").into_response();
    };
    let channels = match state.store.my_channels(&citizen.ctx).await {
        Ok(c) => c,
        Err(e) => return error_page(&PortalError(e), &citizen),
    };
    // The person's own addresses, as the deliverer would use them (best first).
    let contact = state
        .store
        .contact_of(pid, citizen.ctx.now)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let email = contact.emails.first().map(|e| mask(e));
    let mobile = contact.mobiles.first().map(|m| mask(m));
    let body = html! {
        h1 { (title) }
        @if let Some(s) = &saved {
            div.notice.ok role="status" { p { (s) } }
        }
        p.intro { (text(lang, "notify.intro")) }
        form method="post" action=(PATH) {
            input type="hidden" name="_csrf" value=(citizen.session.csrf);
            fieldset {
                legend { (text(lang, "notify.channels")) }
                p {
                    input #notify-email type="checkbox" name="email" value="on" checked[channels.email];
                    label for="notify-email" { (text(lang, "notify.email")) }
                    " "
                    span.onfile { @match &email { Some(e) => { "(" (e) ")" }, None => { "(" (text(lang, "notify.none-on-file")) ")" } } }
                }
                p {
                    input #notify-sms type="checkbox" name="sms" value="on" checked[channels.sms];
                    label for="notify-sms" { (text(lang, "notify.sms")) }
                    " "
                    span.onfile { @match &mobile { Some(m) => { "(" (m) ")" }, None => { "(" (text(lang, "notify.none-on-file")) ")" } } }
                }
            }
            @if !channels.email && !channels.sms {
                div.notice role="note" { p { (text(lang, "notify.only-login")) } }
            }
            p.hint { (text(lang, "notify.where-from")) }
            button type="submit" { (text(lang, "notify.save")) }
        }
        p { a href="/settings" { (text(lang, "settings.title")) } }
    };
    respond(
        StatusCode::OK,
        shell(lang, title, PATH, Some(&citizen), body),
    )
}

/// `POST /settings/notifications`: an unchecked box is not posted, so absent = off.
pub async fn save(
    State(state): State<PortalState>,
    citizen: Citizen,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let posted = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if !csrf_ok(&citizen.session, posted("_csrf")) {
        return csrf_refused(citizen.lang);
    }
    let choice = Channels {
        email: posted("email") == Some("on"),
        sms: posted("sms") == Some("on"),
    };
    if let Err(e) = state.store.set_my_channels(&citizen.ctx, choice).await {
        return error_page(&PortalError(e), &citizen);
    }
    let message = text(citizen.lang, "notify.saved").to_owned();
    state
        .sessions
        .update(&citizen.sid, |s| s.flash = Some(message));
    Redirect::to(PATH).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_enough_to_recognise() {
        assert_eq!(mask("kari.nordmann@example.no"), "ka…@example.no");
        assert_eq!(mask("+47 912 34 567"), "•••• 4567");
        assert_eq!(mask("12"), "•••• 12");
    }
}
