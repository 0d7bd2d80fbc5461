//! The home page (the tiles of the person acted for) and switching person.
//!
//! Why the list of people is recomputed on every switch: a proxy can be revoked or a
//! child turn 12 between two clicks; the session's list is a convenience, the store
//! decides again on every page anyway.
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use nordlys_store::{RequestContext, StoreError};
use serde::Deserialize;

use crate::explain::{notice, probe_item};
use crate::fetch::{error_page, PortalError};
use crate::i18n::{text, text_with};
use crate::page::{person_label, respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::{Citizen, Person};
use crate::tiles::SLUGS;
use crate::view::{age, human_name};
use crate::PortalState;

/// Everyone the citizen may act for, self first (from the store's relations).
pub async fn people_of(
    state: &PortalState,
    ctx: &RequestContext,
) -> Result<Vec<Person>, StoreError> {
    let found = state.store.represented(ctx).await?;
    Ok(found
        .into_iter()
        .filter_map(|r| {
            let patient: serde_json::Value = serde_json::from_str(&r.patient.body).ok()?;
            Some(Person {
                patient_id: r.patient.id.clone(),
                name: human_name(&patient),
                age: age(&patient, ctx.now),
                relation: *r.relations.first()?,
            })
        })
        .collect())
}

/// `GET /`.
pub async fn home(State(state): State<PortalState>, mut citizen: Citizen) -> Response {
    let lang = citizen.lang;
    let title = text(lang, "home.title");
    if citizen.session.low_level {
        let body = html! {
            h1 { (text(lang, "level.title")) }
            div.notice role="note" { p { (text(lang, "level.explain")) } }
            p { a href="/settings" { (text(lang, "settings.title")) } }
        };
        return respond(
            StatusCode::OK,
            shell(lang, title, "/", Some(&citizen), body),
        );
    }
    // Whom one may act for changes under the user (a proxy revoked, a child turning
    // 16): the home page asks the store again, so the chooser never offers the past.
    match people_of(&state, &citizen.ctx).await {
        Ok(people) => {
            let acting = citizen
                .session
                .acting_for
                .clone()
                .filter(|id| people.iter().any(|p| &p.patient_id == id))
                .or_else(|| people.first().map(|p| p.patient_id.clone()));
            state.sessions.update(&citizen.sid, |s| {
                s.people = people.clone();
                s.acting_for = acting.clone();
            });
            citizen.session.people = people;
            citizen.session.acting_for = acting;
        }
        Err(e) => return error_page(&PortalError(e), &citizen),
    }
    let Some(person) = citizen.patient().cloned() else {
        let body = html! {
            h1 { (text(lang, "home.nobody-title")) }
            p { (text(lang, "home.nobody")) }
        };
        return respond(
            StatusCode::OK,
            shell(lang, title, "/", Some(&citizen), body),
        );
    };
    // Tiles without a probe (the access log) have no notice; keep every tile.
    let probed: Vec<(&str, serde_json::Value)> = SLUGS
        .iter()
        .filter_map(|t| probe_item(t, &person.patient_id, citizen.ctx.now).map(|p| (*t, p)))
        .collect();
    let probes: Vec<serde_json::Value> = probed.iter().map(|(_, p)| p.clone()).collect();
    let decided = match state
        .store
        .probe(&citizen.ctx, &person.patient_id, &probes)
        .await
    {
        Ok(d) => d,
        Err(e) => return error_page(&PortalError(e), &citizen),
    };
    let decisions: Vec<(&str, Option<nordlys_policy::Decision>)> = SLUGS
        .iter()
        .map(|t| {
            let d = probed
                .iter()
                .position(|(p, _)| p == t)
                .and_then(|i| decided.get(i).copied());
            (*t, d)
        })
        .collect();
    let body = html! {
        h1 { (title) }
        p.acting { (text_with(lang, "home.acting-for", &[("person", &person_label(lang, &person))])) }
        ul.tiles {
            @for (tile, decision) in &decisions {
                li.tile {
                    a href=(format!("/tiles/{tile}")) {
                        span.name { (text(lang, &format!("tile.{tile}"))) }
                    }
                    @if let Some(n) = decision.as_ref().and_then(|d| notice(lang, d)) {
                        span.why { (n) }
                    }
                }
            }
            li.tile.settings {
                a href="/settings" { span.name { (text(lang, "settings.title")) } }
            }
            li.tile.research {
                a href="/research" { span.name { (text(lang, "research.title")) } }
            }
        }
    };
    respond(
        StatusCode::OK,
        shell(lang, title, "/", Some(&citizen), body),
    )
}

#[derive(Deserialize)]
pub struct ActForForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    person: usize,
}

/// `POST /act-for`: switch to person number `person` of the (fresh) list.
pub async fn act_for(
    State(state): State<PortalState>,
    citizen: Citizen,
    Form(form): Form<ActForForm>,
) -> Response {
    if !csrf_ok(&citizen.session, form.csrf.as_deref()) {
        return csrf_refused(citizen.lang);
    }
    if citizen.session.low_level {
        return Redirect::to("/").into_response();
    }
    let people = match people_of(&state, &citizen.ctx).await {
        Ok(p) => p,
        Err(e) => return error_page(&PortalError(e), &citizen),
    };
    // The index refers to the list as shown; look the person up by id so a list that
    // changed in between never switches to someone else.
    let chosen = citizen
        .session
        .people
        .get(form.person)
        .and_then(|shown| people.iter().find(|p| p.patient_id == shown.patient_id))
        .map(|p| p.patient_id.clone());
    state.sessions.update(&citizen.sid, |s| {
        s.people = people;
        if let Some(id) = chosen {
            s.acting_for = Some(id);
        } else if !s
            .people
            .iter()
            .any(|p| Some(&p.patient_id) == s.acting_for.as_ref())
        {
            s.acting_for = s.people.first().map(|p| p.patient_id.clone());
        }
    });
    Redirect::to("/").into_response()
}
