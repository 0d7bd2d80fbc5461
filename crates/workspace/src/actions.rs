//! Clinician actions on access: one item's page with its forms, the patient's rules
//! with revoke buttons, and the one handler that writes them.
//!
//! Why every action is a store write with the practitioner's purpose context: the
//! store checks § 8/§ 10 (who may write which grant; a label change is an update of
//! the item, allowed to its owner organisation only) and logs it. A refusal is shown
//! with the store's reason. The CSRF token is checked before anything is read.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use nordlys_policy::{GrantKind, Label};
use nordlys_store::{RequestContext, StoreError};
use serde_json::Value;

use crate::citizen::{cell, explain_all, persons};
use crate::consents;
use crate::i18n::{text, Lang};
use crate::overview::{error_page, item_date, title};
use crate::page::{message, respond, shell};
use crate::session::Clinician;
use crate::WorkspaceState;

/// Labels a clinician sets from the workspace (Volven 9603).
pub const SETTABLE: [Label; 10] = [
    Label::NornFfl,
    Label::NornKut,
    Label::NornFfh,
    Label::NornFpb,
    Label::NornAll,
    Label::NornAng,
    Label::NornEpo,
    Label::NornForans,
    Label::NornUngdom,
    Label::Noru,
];

/// Grant kinds set by health personnel (these get a revoke button).
const CLINICIAN_KINDS: [GrantKind; 7] = [
    GrantKind::ParentAccess,
    GrantKind::YouthAccess,
    GrantKind::EmergencyLock,
    GrantKind::Shield,
    GrantKind::Release,
    GrantKind::FosterParent,
    GrantKind::LacksCapacity,
];

fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="_csrf" value=(csrf); }
}

async fn read_json(
    state: &WorkspaceState,
    ctx: &RequestContext,
    reference: &str,
) -> Result<(i64, Value, Option<String>), StoreError> {
    let (rt, id) = reference.split_once('/').unwrap_or((reference, ""));
    let stored = state.store.read(ctx, rt, id).await?;
    let v = serde_json::from_str(&stored.body)
        .map_err(|e| StoreError::Internal(format!("stored {reference} is not JSON: {e}")))?;
    Ok((stored.version, v, stored.columns.patient_id.clone()))
}

/// The patient's rules (Consents), with a revoke button for the clinician-set ones in force.
pub async fn grants_section(
    state: &WorkspaceState,
    clinician: &Clinician,
    ctx: &RequestContext,
    patient_id: &str,
) -> Result<Markup, StoreError> {
    let lang = clinician.lang;
    let params = vec![
        ("patient".to_owned(), format!("Patient/{patient_id}")),
        ("_count".to_owned(), "200".to_owned()),
    ];
    let request = state.store.parse_search("Consent", &params, false)?;
    let found = state.store.search(ctx, &request).await?.matches;
    let rows: Vec<(String, Value)> = found
        .iter()
        .filter_map(|s| {
            Some((
                format!("Consent/{}", s.id),
                serde_json::from_str(&s.body).ok()?,
            ))
        })
        .collect();
    let refs: Vec<String> = rows.iter().map(|(r, _)| r.clone()).collect();
    let handles: Vec<String> = state
        .sessions
        .update(&clinician.sid, |s| {
            refs.iter().map(|r| s.handle(r)).collect()
        })
        .unwrap_or_default();
    Ok(html! {
        section.grants {
            h2 { (text(lang, "grants.title")) " (" (rows.len()) ")" }
            table {
                thead { tr { th { (text(lang, "grants.kind")) } th { (text(lang, "grants.status")) } th { (text(lang, "col.date")) } th { (text(lang, "grants.by")) } th {} } }
                tbody {
                    @for ((_, g), h) in rows.iter().zip(&handles) {
                        @let kind = g["category"][0]["coding"][0]["code"].as_str().unwrap_or("");
                        @let active = g["status"] == "active";
                        tr {
                            td.kind { (kind) }
                            td.status { (g["status"].as_str().unwrap_or("")) }
                            td { (item_date(&serde_json::json!({"date": g["dateTime"]}))) }
                            td { (g["performer"][0]["display"].as_str().or(g["performer"][0]["reference"].as_str()).unwrap_or("")) }
                            td {
                                @if active && GrantKind::from_code(kind).is_some_and(|k| CLINICIAN_KINDS.contains(&k)) {
                                    form method="post" action="/clinician/act/revoke" {
                                        (csrf_field(&clinician.session.csrf))
                                        input type="hidden" name="grant" value=(h);
                                        button type="submit" { (text(lang, "grants.revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}

/// Forms about the whole patient: emergency lock, shield results, foster parent, guardian.
pub fn patient_forms(lang: Lang, csrf: &str) -> Markup {
    html! {
        section.patient-actions {
            h2 { (text(lang, "act.patient-title")) }
            form method="post" action="/clinician/act/emergency-lock" {
                (csrf_field(csrf))
                button type="submit" { (text(lang, "act.lock-patient")) }
            }
            form method="post" action="/clinician/act/shield" {
                (csrf_field(csrf))
                label for="strength" { (text(lang, "act.shield")) } " "
                select #strength name="strength" {
                    option value="soft" { (text(lang, "act.soft")) }
                    option value="hard" { (text(lang, "act.hard")) }
                }
                " " button type="submit" { (text(lang, "act.save")) }
            }
            @for (action, key) in [("foster-parent", "act.foster-parent"), ("lacks-capacity", "act.guardian")] {
                form method="post" action=(format!("/clinician/act/{action}")) {
                    (csrf_field(csrf))
                    label for=(action) { (text(lang, key)) } " "
                    input id=(action) name="pid" inputmode="numeric" pattern="[0-9]{11}" required;
                    " " button type="submit" { (text(lang, "act.save")) }
                }
            }
        }
    }
}

/// The parents of the patient as RelatedPersons the practitioner sees: (reference, name).
async fn parents(
    state: &WorkspaceState,
    ctx: &RequestContext,
    patient_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let params = vec![
        ("patient".to_owned(), format!("Patient/{patient_id}")),
        ("_count".to_owned(), "50".to_owned()),
    ];
    let request = state.store.parse_search("RelatedPerson", &params, false)?;
    Ok(state
        .store
        .search(ctx, &request)
        .await?
        .matches
        .iter()
        .filter_map(|s| {
            let v: Value = serde_json::from_str(&s.body).ok()?;
            let codes: Vec<&str> = v["relationship"]
                .as_array()?
                .iter()
                .flat_map(|r| r["coding"].as_array().into_iter().flatten())
                .filter_map(|c| c["code"].as_str())
                .collect();
            codes
                .iter()
                .any(|c| matches!(*c, "PRN" | "MTH" | "FTH"))
                .then(|| {
                    let n = &v["name"][0];
                    let given = n["given"][0].as_str().unwrap_or("");
                    (
                        format!("RelatedPerson/{}", s.id),
                        format!("{given} {}", n["family"].as_str().unwrap_or(""))
                            .trim()
                            .to_owned(),
                    )
                })
        })
        .collect())
}

/// `GET /clinician/item/{handle}`: one item, what the family sees, and its forms.
pub async fn item_page(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    Path(handle): Path<String>,
) -> Response {
    let lang = clinician.lang;
    let Some((open, ctx)) = clinician.patient_ctx(&state) else {
        return Redirect::to("/clinician").into_response();
    };
    let Some(reference) = clinician.session.resolve(&handle).map(str::to_owned) else {
        return message(
            lang,
            StatusCode::NOT_FOUND,
            "error.title",
            text(lang, "error.not-found"),
            Some(&clinician.session),
        );
    };
    let built = async {
        let (_, item, pid) = read_json(&state, &ctx, &reference).await?;
        if pid.as_deref() != Some(open.patient_id.as_str()) {
            return Err(StoreError::NotFound {
                resource_type: "Resource".into(),
                id: handle.clone(),
            });
        }
        let (_, patient, _) =
            read_json(&state, &ctx, &format!("Patient/{}", open.patient_id)).await?;
        let people = persons(&state, &ctx, &patient).await?;
        let family = explain_all(
            &state,
            &ctx,
            &open.patient_id,
            std::slice::from_ref(&reference),
            &people,
        )
        .await?;
        let parents = if item["resourceType"] == "ServiceRequest" {
            parents(&state, &ctx, &open.patient_id).await?
        } else {
            Vec::new()
        };
        // Parents are posted by handle, like every other reference.
        let parents: Vec<(String, String)> = state
            .sessions
            .update(&clinician.sid, |s| {
                parents
                    .iter()
                    .map(|(r, n)| (s.handle(r), n.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Ok::<_, StoreError>((item, people, family, parents))
    }
    .await;
    let (item, people, family, parents) = match built {
        Ok(b) => b,
        Err(e) => return error_page(&e, &clinician),
    };
    let csrf = clinician.session.csrf.clone();
    let rt = item["resourceType"].as_str().unwrap_or("");
    let body = html! {
        h1 { (title(&item)) }
        p { (text(lang, "col.date")) ": " (item_date(&item)) }
        p.family { strong { (text(lang, "col.family")) ": " } (cell(lang, &people, family.get(&reference))) }
        h2 { (text(lang, "act.labels-title")) }
        ul.labels {
            @for l in consents::labels(&item) {
                li { code { (l) } " "
                    @if let Some(label) = Label::from_code(&l) {
                        form method="post" action="/clinician/act/label-lift" {
                            (csrf_field(&csrf)) input type="hidden" name="item" value=(handle);
                            input type="hidden" name="label" value=(label.code());
                            button type="submit" { (text(lang, "act.lift")) }
                        }
                    }
                }
            }
        }
        form method="post" action="/clinician/act/label-set" {
            (csrf_field(&csrf)) input type="hidden" name="item" value=(handle);
            label for="label" { (text(lang, "act.label")) } " "
            select #label name="label" { @for l in SETTABLE { option value=(l.code()) { (l.code()) } } }
            " " label for="until" { (text(lang, "act.until")) } " "
            input #until type="date" name="until";
            " " button type="submit" { (text(lang, "act.save")) }
        }
        @if rt == "ServiceRequest" {
            h2 { (text(lang, "act.referral-title")) }
            form method="post" action="/clinician/act/parent-access" {
                (csrf_field(&csrf)) input type="hidden" name="item" value=(handle);
                fieldset {
                    legend { (text(lang, "act.parents")) }
                    @for (i, (h, name)) in parents.iter().enumerate() {
                        div.field { input type="checkbox" name="parent" value=(h) id=(format!("parent-{i}")); " " label for=(format!("parent-{i}")) { (name) } }
                    }
                }
                fieldset {
                    legend { (text(lang, "act.level")) }
                    div.field { input type="radio" name="level" value="metadata" id="level-metadata"; " " label for="level-metadata" { (text(lang, "act.level-metadata")) } }
                    div.field { input type="radio" name="level" value="full" id="level-full"; " " label for="level-full" { (text(lang, "act.level-full")) } }
                }
                div.field { input type="checkbox" name="conversation" value="yes" id="conversation" required; " " label for="conversation" { (text(lang, "act.conversation")) } }
                button type="submit" { (text(lang, "act.open-parents")) }
            }
            form method="post" action="/clinician/act/youth-access" {
                (csrf_field(&csrf)) input type="hidden" name="item" value=(handle);
                button type="submit" { (text(lang, "act.open-youth")) }
            }
            form method="post" action="/clinician/act/emergency-lock" {
                (csrf_field(&csrf)) input type="hidden" name="item" value=(handle);
                button type="submit" { (text(lang, "act.lock-referral")) }
            }
        }
        @if rt == "DiagnosticReport" {
            h2 { (text(lang, "act.result-title")) }
            form method="post" action="/clinician/act/release" {
                (csrf_field(&csrf)) input type="hidden" name="item" value=(handle);
                button type="submit" { (text(lang, "act.release")) }
            }
        }
        p { a href="/clinician/patient" { (text(lang, "act.back")) } }
    };
    let path = format!("/clinician/item/{handle}");
    respond(
        StatusCode::OK,
        shell(
            lang,
            text(lang, "item.title"),
            &path,
            Some(&clinician.session),
            body,
        ),
    )
}
