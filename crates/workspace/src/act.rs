//! `POST /clinician/act/{action}`: the one handler that writes a clinician's access
//! change through the store.
//!
//! Order of checks: the CSRF token first (a forged form reads and writes nothing),
//! then a patient must be open (its purpose token is the context of the write), then
//! every posted handle must resolve in this session to an item of that patient. The
//! store then checks § 8/§ 10 and logs the write; its refusal is shown in its words.
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use nordlys_policy::{GrantKind, Label, Level, Strength};
use nordlys_store::{RequestContext, StoreError};
use serde_json::Value;

use crate::consents::{self, Author};
use crate::i18n::text;
use crate::overview::error_page;
use crate::page::message;
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Clinician;
use crate::WorkspaceState;

/// The posted fields (repeated names kept: `parent` may come several times).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// What went wrong before the store was asked.
enum Refusal {
    /// A text key of the workspace (400).
    Form(&'static str),
    Store(StoreError),
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        Refusal::Store(e)
    }
}

/// `POST /clinician/act/{action}`.
pub async fn act(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    Path(action): Path<String>,
    body: Bytes,
) -> Response {
    let lang = clinician.lang;
    let fields = Fields(form_urlencoded::parse(&body).into_owned().collect());
    if !csrf_ok(&clinician.session, fields.get("_csrf")) {
        return csrf_refused(lang);
    }
    let Some((open, ctx)) = clinician.patient_ctx(&state) else {
        return Redirect::to("/clinician").into_response();
    };
    let author = Author {
        hpr: clinician.session.hpr.clone(),
        name: clinician.session.name.clone(),
    };
    let done = run(
        &state,
        &clinician,
        &ctx,
        &open.patient_id,
        &author,
        &action,
        &fields,
    )
    .await;
    match done {
        Ok(back) => {
            state.sessions.update(&clinician.sid, |s| {
                s.flash = Some(text(lang, "act.saved").to_owned());
            });
            Redirect::to(&back).into_response()
        }
        Err(Refusal::Form(key)) => message(
            lang,
            StatusCode::BAD_REQUEST,
            "error.refused",
            text(lang, key),
            Some(&clinician.session),
        ),
        Err(Refusal::Store(e)) => error_page(&e, &clinician),
    }
}

/// The item behind the posted handle `name`, if it is the open patient's: (reference, version, JSON).
async fn posted_item(
    state: &WorkspaceState,
    clinician: &Clinician,
    ctx: &RequestContext,
    patient_id: &str,
    fields: &Fields,
    name: &str,
) -> Result<(String, i64, Value), Refusal> {
    let reference = fields
        .get(name)
        .and_then(|h| clinician.session.resolve(h))
        .map(str::to_owned)
        .ok_or(Refusal::Form("act.no-item"))?;
    let (rt, id) = reference
        .split_once('/')
        .ok_or(Refusal::Form("act.no-item"))?;
    let stored = state.store.read(ctx, rt, id).await?;
    if stored.columns.patient_id.as_deref() != Some(patient_id) {
        return Err(Refusal::Form("act.no-item"));
    }
    let v = serde_json::from_str(&stored.body)
        .map_err(|e| StoreError::Internal(format!("stored {reference} is not JSON: {e}")))?;
    Ok((reference, stored.version, v))
}

async fn run(
    state: &WorkspaceState,
    clinician: &Clinician,
    ctx: &RequestContext,
    patient_id: &str,
    author: &Author,
    action: &str,
    fields: &Fields,
) -> Result<String, Refusal> {
    let now = ctx.now;
    let item = |name: &'static str| posted_item(state, clinician, ctx, patient_id, fields, name);
    let item_page = |reference: &str| {
        let h = clinician.session.reverse_handle(reference);
        h.map_or_else(
            || "/clinician/patient".to_owned(),
            |h| format!("/clinician/item/{h}"),
        )
    };
    let grant = match action {
        "parent-access" => {
            let (r, _, v) = item("item").await?;
            if v["resourceType"] != "ServiceRequest" {
                return Err(Refusal::Form("act.not-referral"));
            }
            if fields.get("conversation") != Some("yes") {
                return Err(Refusal::Form("act.need-conversation"));
            }
            let level = match fields.get("level") {
                Some("full") => Level::Full,
                Some("metadata") => Level::Metadata,
                _ => return Err(Refusal::Form("act.need-level")),
            };
            let parents: Vec<String> = fields
                .all("parent")
                .into_iter()
                .filter_map(|h| clinician.session.resolve(h))
                .filter(|r| r.starts_with("RelatedPerson/"))
                .map(str::to_owned)
                .collect();
            if parents.is_empty() {
                return Err(Refusal::Form("act.need-parent"));
            }
            (
                consents::parent_access(patient_id, &r, &parents, level, author, now),
                item_page(&r),
            )
        }
        "youth-access" => {
            let (r, _, v) = item("item").await?;
            if v["resourceType"] != "ServiceRequest" {
                return Err(Refusal::Form("act.not-referral"));
            }
            (
                consents::youth_access(patient_id, &r, author, now),
                item_page(&r),
            )
        }
        "release" => {
            let (r, _, _) = item("item").await?;
            (
                consents::release(patient_id, &r, author, now),
                item_page(&r),
            )
        }
        "emergency-lock" => {
            if fields.get("item").is_some() {
                let (r, _, v) = item("item").await?;
                if v["resourceType"] != "ServiceRequest" {
                    return Err(Refusal::Form("act.not-referral"));
                }
                (
                    consents::emergency_lock(patient_id, Some(&r), author, now),
                    item_page(&r),
                )
            } else {
                (
                    consents::emergency_lock(patient_id, None, author, now),
                    "/clinician/patient".to_owned(),
                )
            }
        }
        "shield" => {
            let strength = if fields.get("strength") == Some("hard") {
                Strength::Hard
            } else {
                Strength::Soft
            };
            (
                consents::shield_results(patient_id, strength, author, now),
                "/clinician/patient".to_owned(),
            )
        }
        "foster-parent" | "lacks-capacity" => {
            let pid = fields.get("pid").map(str::trim).unwrap_or("");
            if nordlys_fhir::ids::parse_national_id(pid).is_err() {
                return Err(Refusal::Form("act.bad-pid"));
            }
            let kind = if action == "foster-parent" {
                GrantKind::FosterParent
            } else {
                GrantKind::LacksCapacity
            };
            (
                consents::representative(kind, patient_id, pid, author, now),
                "/clinician/patient".to_owned(),
            )
        }
        "revoke" => {
            let (r, version, v) = item("grant").await?;
            if v["resourceType"] != "Consent" {
                return Err(Refusal::Form("act.no-item"));
            }
            let id = r.trim_start_matches("Consent/");
            state
                .store
                .update(ctx, "Consent", id, consents::revoked(&v), Some(version))
                .await?;
            return Ok("/clinician/patient".to_owned());
        }
        "label-set" | "label-lift" => {
            let (r, version, v) = item("item").await?;
            let label = fields
                .get("label")
                .and_then(Label::from_code)
                .ok_or(Refusal::Form("act.bad-label"))?;
            let changed = if action == "label-lift" {
                consents::without_label(&v, label)
            } else {
                let until = fields
                    .get("until")
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
                if label == Label::Noru && until.is_none() {
                    return Err(Refusal::Form("act.need-date"));
                }
                consents::with_label(&v, label, until)
            };
            let (rt, id) = r.split_once('/').unwrap_or((&r, ""));
            match state
                .store
                .update(ctx, rt, id, changed, Some(version))
                .await
            {
                // The store answers a write it refuses on an item the writer may read
                // like a changed version (a hidden item must look like a missing
                // one); here the likely cause is another owner: say so.
                Err(StoreError::PreconditionFailed(_)) => {
                    return Err(Refusal::Form("act.not-owner"))
                }
                other => other?,
            };
            return Ok(item_page(&r));
        }
        _ => return Err(Refusal::Form("act.unknown")),
    };
    let (consent, back) = grant;
    state.store.create(ctx, consent, None).await?;
    Ok(back)
}
