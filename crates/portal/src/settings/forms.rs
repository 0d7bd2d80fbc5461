//! `POST /settings/{action}`: reads a settings form, builds the Consent and writes it
//! through the store with the citizen's own context.
//!
//! Why the portal checks only the form and never the right: a malformed HPR number,
//! national id or date is answered here (the citizen typed it), but whether this
//! person may set this rule for this patient is the store's answer (§ 8/§ 10), shown
//! as it comes. Lifting and limiting read the rule as the store shows it and write
//! the next version with `If-Match`, so a rule changed in between is not overwritten.
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use nordlys_policy::{Category, GrantKind, ProxyScope, RelationKind, Strength};
use nordlys_store::StoreError;
use serde_json::Value;

use super::grants::{self, Blocked, Period};
use super::{offers, render, Notice};
use crate::fetch::{error_page, PortalError};
use crate::i18n::{text, Lang};
use crate::page::{respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Citizen;
use crate::view::is_redacted;
use crate::PortalState;

/// The posted fields, in order (checkboxes repeat `category`).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn one(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn categories(&self) -> Vec<Category> {
        let mut out: Vec<Category> = Vec::new();
        for c in self
            .0
            .iter()
            .filter(|(k, _)| k == "category")
            .filter_map(|(_, v)| Category::from_code(v))
        {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    fn date(&self, name: &str) -> Result<Option<NaiveDate>, Refusal> {
        self.one(name)
            .map(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d"))
            .transpose()
            .map_err(|_| Refusal::form("settings.bad-date"))
    }

    fn period(&self) -> Result<Period, Refusal> {
        let period = Period {
            start: self.date("start")?,
            end: self.date("end")?,
        };
        match (period.start, period.end) {
            (Some(s), Some(e)) if e < s => Err(Refusal::form("settings.bad-date")),
            _ => Ok(period),
        }
    }
}

/// Why a change was not made.
enum Refusal {
    /// The form itself is wrong: (status, text key).
    Form(StatusCode, &'static str),
    /// The store said no.
    Store(StoreError),
    /// No such action, or nobody acted for.
    NotFound,
}

impl Refusal {
    fn form(key: &'static str) -> Refusal {
        Refusal::Form(StatusCode::UNPROCESSABLE_ENTITY, key)
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        Refusal::Store(e)
    }
}

/// `POST /settings/{action}`.
pub async fn change(
    State(state): State<PortalState>,
    citizen: Citizen,
    Path(action): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    if !csrf_ok(&citizen.session, fields.one("_csrf")) {
        return csrf_refused(citizen.lang);
    }
    if citizen.session.low_level {
        return Redirect::to("/settings").into_response();
    }
    let lang = citizen.lang;
    if action == "lockdown" {
        // The emergency button takes a second, deliberate step.
        let body = offers::lockdown_confirm(lang, &citizen.session.csrf, &fields.categories());
        let title = text(lang, "settings.lockdown-confirm-title");
        return respond(
            StatusCode::OK,
            shell(lang, title, "/settings", Some(&citizen), body),
        );
    }
    match apply(&state, &citizen, &action, &fields).await {
        Ok(done_key) => {
            let message = text(lang, done_key).to_owned();
            state
                .sessions
                .update(&citizen.sid, |s| s.flash = Some(message));
            Redirect::to(back_to(&fields)).into_response()
        }
        Err(Refusal::NotFound) => crate::page::message(
            lang,
            StatusCode::NOT_FOUND,
            "error.not-found-title",
            "error.not-found",
            Some(&citizen),
        ),
        Err(Refusal::Form(status, key)) => {
            let notice = Notice {
                text: text(lang, key).to_owned(),
                detail: None,
                error: true,
            };
            render(&state, &citizen, Some(notice), status).await
        }
        Err(Refusal::Store(e)) => match refusal_notice(lang, &e) {
            Some((status, mut notice)) => {
                if action == "careplan-sharing"
                    && matches!(
                        status,
                        StatusCode::FORBIDDEN | StatusCode::UNPROCESSABLE_ENTITY
                    )
                {
                    // The form has no fields, so a refusal is the age rule of who may
                    // share the plan (the policy's business rule): say it, not just "no".
                    notice.text = text(lang, "settings.careplan-sharing-refused").to_owned();
                }
                render(&state, &citizen, Some(notice), status).await
            }
            None => error_page(&PortalError(e), &citizen),
        },
    }
}

/// Where to go after a change: back to the care plan page it was made from (only a
/// care plan path, so the field cannot send the citizen elsewhere), else the settings.
fn back_to(fields: &Fields) -> &str {
    match fields.one("back") {
        Some(b)
            if b.strip_prefix("/tiles/careplan/").is_some_and(|h| {
                !h.is_empty()
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            }) =>
        {
            b
        }
        _ => "/settings",
    }
}

/// Plain words for a store refusal; `None` for a failure that is not a refusal.
fn refusal_notice(lang: Lang, e: &StoreError) -> Option<(StatusCode, Notice)> {
    let (status, key, detail) = match e {
        StoreError::Invalid(issues) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "settings.refused",
            Some(
                issues
                    .iter()
                    .map(|i| i.diagnostics.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        ),
        StoreError::BadRequest(m) => (StatusCode::BAD_REQUEST, "settings.refused", Some(m.clone())),
        StoreError::Forbidden(m) => (
            StatusCode::FORBIDDEN,
            "settings.refused-forbidden",
            Some(m.clone()),
        ),
        StoreError::NotFound { .. }
        | StoreError::Gone { .. }
        | StoreError::PreconditionFailed(_)
        | StoreError::Conflict(_) => (StatusCode::CONFLICT, "settings.refused-changed", None),
        _ => return None,
    };
    Some((
        status,
        Notice {
            text: text(lang, key).to_owned(),
            detail,
            error: true,
        },
    ))
}

/// Performs `action`; the text key of its confirmation.
async fn apply(
    state: &PortalState,
    citizen: &Citizen,
    action: &str,
    f: &Fields,
) -> Result<&'static str, Refusal> {
    let Some(person) = citizen.patient() else {
        return Err(Refusal::NotFound);
    };
    let patient = person.patient_id.as_str();
    let now = citizen.ctx.now;
    let consent = match action {
        "block" => {
            let who = match f.one("who") {
                Some("named") => {
                    let hpr = f.one("hpr").unwrap_or("");
                    nordlys_fhir::ids::validate_hpr(hpr)
                        .map_err(|_| Refusal::form("settings.bad-hpr"))?;
                    Blocked::Hpr(hpr.to_owned())
                }
                _ => Blocked::All,
            };
            let strength = match f.one("strength") {
                Some("hard") => Strength::Hard,
                _ => Strength::Soft,
            };
            grants::block(patient, &who, strength, &f.categories(), f.period()?, now)
        }
        "self-deny-results" => grants::own_rule(
            GrantKind::SelfDenyResults,
            patient,
            &[],
            Period::default(),
            now,
        ),
        "reservation" => {
            grants::own_rule(GrantKind::Reservation, patient, &[], Period::default(), now)
        }
        "lockdown-confirm" => grants::own_rule(
            GrantKind::Lockdown,
            patient,
            &f.categories(),
            Period::default(),
            now,
        ),
        "deny-parents" => grants::deny_parents(patient, &f.categories(), now),
        "proxy" => {
            let pid = f.one("pid").unwrap_or("");
            nordlys_fhir::ids::parse_national_id(pid)
                .map_err(|_| Refusal::form("settings.bad-pid"))?;
            let scope = match f.one("scope") {
                Some("full") => ProxyScope::Full,
                _ => ProxyScope::Limited,
            };
            grants::proxy(patient, pid, scope, f.period()?, now)
        }
        "parental-consent" => grants::parental_consent(patient, &citizen.session.pid, now),
        "careplan-sharing" => {
            let performer = if person.relation == RelationKind::Myself {
                grants::patient_performer(patient)
            } else {
                grants::person_by_national_id(&citizen.session.pid)
            };
            grants::careplan_sharing(patient, performer, now)
        }
        "careplan-sharing-withdraw" => {
            change_existing(state, citizen, "lift", f).await?;
            return Ok("settings.careplan-sharing-withdrawn");
        }
        "lift" | "limit" => return change_existing(state, citizen, action, f).await,
        _ => return Err(Refusal::NotFound),
    };
    state.store.create(&citizen.ctx, consent, None).await?;
    Ok(if action == "careplan-sharing" {
        "settings.careplan-sharing-given"
    } else {
        "settings.saved"
    })
}

/// Lifting (`status` inactive) or limiting (proxy `limited`) a rule by its handle.
async fn change_existing(
    state: &PortalState,
    citizen: &Citizen,
    action: &str,
    f: &Fields,
) -> Result<&'static str, Refusal> {
    let reference = f
        .one("rule")
        .and_then(|h| citizen.session.resolve(h))
        .and_then(|r| r.strip_prefix("Consent/"))
        .map(str::to_owned);
    let Some(id) = reference else {
        return Err(Refusal::Form(
            StatusCode::CONFLICT,
            "settings.refused-changed",
        ));
    };
    let stored = state.store.read(&citizen.ctx, "Consent", &id).await?;
    let current: Value = serde_json::from_str(&stored.body)
        .map_err(|e| StoreError::Internal(format!("stored Consent is not JSON: {e}")))?;
    if is_redacted(&current) {
        // Only part of the rule is shown to this viewer: a new version built from it
        // would lose the rest, so it is not this viewer's to change.
        return Err(Refusal::Form(
            StatusCode::FORBIDDEN,
            "settings.refused-forbidden",
        ));
    }
    let (next, done) = if action == "limit" {
        (grants::limited(&current), "settings.limited")
    } else {
        (grants::lifted(&current), "settings.lifted")
    };
    state
        .store
        .update(&citizen.ctx, "Consent", &id, next, Some(stored.version))
        .await?;
    Ok(done)
}
