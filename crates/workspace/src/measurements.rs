//! Home measurements of the open patient (DHO, issue 6 § 4), the treating team's
//! side: one chart per measured quantity with the patient's threshold band, the
//! latest value, and a form that sets the threshold for a quantity.
//!
//! Why charts from the server: no script (CSP), and the same SVG code as the portal
//! (`nordlys_web::chart`); the numbers are also given as text beside each chart.
//! Why the threshold is this unit's Goal: the unit that sets it is the unit whose inbox
//! gets the Task when a reading crosses it (docs/measurements.md); setting it again
//! replaces this unit's band for that code, with `If-Match` on the version read.
use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup, PreEscaped};
use nordlys_store::{
    bands_of, readings, Band, RequestContext, StoreError, THRESHOLD_CATEGORY_CODE,
    THRESHOLD_CATEGORY_SYSTEM,
};
use nordlys_web::chart::{line_chart, Point};
use serde_json::{json, Value};

use crate::i18n::text;
use crate::overview::error_page;
use crate::page::{respond, shell};
use crate::security::{csrf_ok, csrf_refused};
use crate::session::Clinician;
use crate::WorkspaceState;

const LOINC: &str = "http://loinc.org";
/// The quantities offered in the threshold form: (LOINC code, text key).
pub const QUANTITIES: [(&str, &str); 5] = [
    ("8480-6", "measure.8480-6"),
    ("8462-4", "measure.8462-4"),
    ("29463-7", "measure.29463-7"),
    ("59408-5", "measure.59408-5"),
    ("2339-0", "measure.2339-0"),
];

async fn search(
    state: &WorkspaceState,
    ctx: &RequestContext,
    rt: &str,
    params: Vec<(String, String)>,
) -> Result<Vec<(nordlys_store::StoredResource, Value)>, StoreError> {
    let request = state.store.parse_search(rt, &params, false)?;
    Ok(state
        .store
        .search(ctx, &request)
        .await?
        .matches
        .into_iter()
        .filter_map(|s| {
            let v = serde_json::from_str(&s.body).ok()?;
            Some((s, v))
        })
        .collect())
}

fn thresholds_query(patient_id: &str) -> Vec<(String, String)> {
    vec![
        ("patient".into(), format!("Patient/{patient_id}")),
        (
            "category".into(),
            format!("{THRESHOLD_CATEGORY_SYSTEM}|{THRESHOLD_CATEGORY_CODE}"),
        ),
    ]
}

/// The shaded band of a chart: the allowed range, open sides closed by the data.
fn band_of(b: &Band, values: &[f64]) -> (f64, f64) {
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    (
        b.low.unwrap_or(min.min(b.high.unwrap_or(min))),
        b.high.unwrap_or(max.max(b.low.unwrap_or(max))),
    )
}

fn limits_text(b: &Band) -> String {
    match (b.low, b.high) {
        (Some(l), Some(h)) => format!("{l}–{h}"),
        (Some(l), None) => format!("≥ {l}"),
        (None, Some(h)) => format!("≤ {h}"),
        _ => String::new(),
    }
}

async fn build(
    state: &WorkspaceState,
    clinician: &Clinician,
    ctx: &RequestContext,
    patient_id: &str,
) -> Result<Markup, StoreError> {
    let lang = clinician.lang;
    let obs = search(
        state,
        ctx,
        "Observation",
        vec![
            ("patient".into(), format!("Patient/{patient_id}")),
            ("category".into(), "vital-signs".into()),
            ("_count".into(), "1000".into()),
        ],
    )
    .await?;
    let goals = search(state, ctx, "Goal", thresholds_query(patient_id)).await?;
    let bands: Vec<Band> = goals
        .iter()
        .flat_map(|(s, g)| bands_of(g, s.columns.owner_org.as_deref()))
        .collect();
    let mut series: BTreeMap<String, Vec<Point>> = BTreeMap::new();
    for (_, o) in &obs {
        let Some(at) = o
            .get("effectiveDateTime")
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        else {
            continue;
        };
        for (code, value) in readings(o) {
            series.entry(code).or_default().push(Point {
                x: at.timestamp() as f64,
                y: value,
            });
        }
    }
    for points in series.values_mut() {
        points.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    let csrf = &clinician.session.csrf;
    Ok(html! {
        h1 { (text(lang, "measure.title")) }
        @if series.is_empty() { p { (text(lang, "measure.none")) } }
        @for (code, points) in &series {
            @let name = QUANTITIES.iter().find(|(c, _)| c == code).map_or(code.clone(), |(_, k)| text(lang, k).to_owned());
            @let band = bands.iter().find(|b| &b.code == code);
            @let values: Vec<f64> = points.iter().map(|p| p.y).collect();
            section.measure aria-label=(name) {
                h2 { (name) }
                (PreEscaped(line_chart(&name, points, band.map(|b| band_of(b, &values)))))
                p {
                    (text(lang, "measure.latest")) ": " (values.last().copied().unwrap_or_default())
                    " · " (text(lang, "measure.count")) ": " (values.len())
                    @if let Some(b) = band { " · " (text(lang, "measure.limits")) ": " (limits_text(b)) }
                }
            }
        }
        section.thresholds {
            h2 { (text(lang, "measure.set")) }
            form method="post" action="/clinician/measurements/threshold" {
                input type="hidden" name="_csrf" value=(csrf);
                label for="t-code" { (text(lang, "measure.quantity")) }
                select id="t-code" name="code" {
                    @for (c, k) in QUANTITIES { option value=(c) { (text(lang, k)) } }
                }
                label for="t-low" { (text(lang, "measure.low")) }
                input type="number" step="any" id="t-low" name="low";
                label for="t-high" { (text(lang, "measure.high")) }
                input type="number" step="any" id="t-high" name="high";
                button type="submit" { (text(lang, "measure.save")) }
            }
        }
    })
}

/// `GET /clinician/measurements`.
pub async fn page(State(state): State<WorkspaceState>, clinician: Clinician) -> Response {
    let lang = clinician.lang;
    let Some((open, ctx)) = clinician.patient_ctx(&state) else {
        return Redirect::to("/clinician").into_response();
    };
    match build(&state, &clinician, &ctx, &open.patient_id).await {
        Ok(body) => {
            let mut session = clinician.session.clone();
            session.flash = state
                .sessions
                .update(&clinician.sid, |s| s.flash.take())
                .flatten();
            respond(
                StatusCode::OK,
                shell(
                    lang,
                    text(lang, "measure.title"),
                    "/clinician/measurements",
                    Some(&session),
                    body,
                ),
            )
        }
        Err(e) => error_page(&e, &clinician),
    }
}

/// This unit's threshold Goal with the band for `code` replaced (or added).
pub fn with_band(
    goal: Option<&Value>,
    patient_id: &str,
    code: &str,
    low: Option<f64>,
    high: Option<f64>,
) -> Value {
    let mut g = goal.cloned().unwrap_or_else(|| {
        json!({"resourceType": "Goal", "lifecycleStatus": "active",
            "category": [{"coding": [{"system": THRESHOLD_CATEGORY_SYSTEM, "code": THRESHOLD_CATEGORY_CODE}]}],
            "description": {"text": "Grenser for hjemmemålinger"},
            "subject": {"reference": format!("Patient/{patient_id}")}, "target": []})
    });
    let mut targets: Vec<Value> = g["target"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t.pointer("/measure/coding/0/code").and_then(Value::as_str) != Some(code))
        .collect();
    if low.is_some() || high.is_some() {
        let mut range = json!({});
        if let Some(l) = low {
            range["low"] = json!({"value": l});
        }
        if let Some(h) = high {
            range["high"] = json!({"value": h});
        }
        targets.push(
            json!({"measure": {"coding": [{"system": LOINC, "code": code}]}, "detailRange": range}),
        );
    }
    g["target"] = json!(targets);
    if let Some(m) = g.as_object_mut() {
        m.remove("meta");
    }
    g
}

/// A band from the form's `low` and `high` (either may be empty): each a finite
/// number (a decimal comma is fine), and low below high when both are given. Anything
/// else is refused as a whole — a threshold silently dropped or inverted would raise
/// no alarm, or alarm on every reading.
fn band(low: Option<&str>, high: Option<&str>) -> Result<(Option<f64>, Option<f64>), ()> {
    let num = |v: Option<&str>| -> Result<Option<f64>, ()> {
        match v.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => match v.replace(',', ".").parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(()),
            },
        }
    };
    let (low, high) = (num(low)?, num(high)?);
    match (low, high) {
        (Some(l), Some(h)) if l >= h => Err(()),
        _ => Ok((low, high)),
    }
}

/// `POST /clinician/measurements/threshold`: `code`, `low`, `high` (either may be empty).
pub async fn set_threshold(
    State(state): State<WorkspaceState>,
    clinician: Clinician,
    body: Bytes,
) -> Response {
    let lang = clinician.lang;
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.trim());
    if !csrf_ok(&clinician.session, get("_csrf")) {
        return csrf_refused(lang);
    }
    let Some((open, ctx)) = clinician.patient_ctx(&state) else {
        return Redirect::to("/clinician").into_response();
    };
    let back = Redirect::to("/clinician/measurements").into_response();
    let Some(code) = get("code").filter(|c| QUANTITIES.iter().any(|(q, _)| q == c)) else {
        return back;
    };
    let Ok((low, high)) = band(get("low"), get("high")) else {
        state.sessions.update(&clinician.sid, |s| {
            s.flash = Some(text(lang, "measure.bad-band").to_owned())
        });
        return back;
    };
    let mine = match search(&state, &ctx, "Goal", thresholds_query(&open.patient_id)).await {
        Ok(found) => found.into_iter().find(|(s, _)| {
            s.columns.owner_org.as_deref() == Some(clinician.session.orgnr.as_str())
        }),
        Err(e) => return error_page(&e, &clinician),
    };
    let goal = with_band(
        mine.as_ref().map(|(_, g)| g),
        &open.patient_id,
        code,
        low,
        high,
    );
    let result = match &mine {
        Some((s, _)) => {
            let mut g = goal;
            g["id"] = json!(s.id);
            state
                .store
                .update(&ctx, "Goal", &s.id, g, Some(s.version))
                .await
        }
        None => state.store.create(&ctx, goal, None).await,
    };
    let key = match result {
        Ok(_) => "measure.saved",
        Err(StoreError::PreconditionFailed(_)) => "careplan.stale",
        Err(e) => return error_page(&e, &clinician),
    };
    state.sessions.update(&clinician.sid, |s| {
        s.flash = Some(text(lang, key).to_owned())
    });
    back
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finding 11e: finite numbers only, low below high.
    #[test]
    fn a_band_must_be_finite_and_ordered() {
        assert_eq!(
            band(Some("90"), Some("160,5")),
            Ok((Some(90.0), Some(160.5)))
        );
        assert_eq!(band(Some(""), None), Ok((None, None)));
        assert_eq!(band(None, Some("160")), Ok((None, Some(160.0))));
        for (l, h) in [
            ("NaN", "160"),
            ("90", "inf"),
            ("-infinity", ""),
            ("abc", ""),
            ("160", "90"),
            ("90", "90"),
        ] {
            assert_eq!(band(Some(l), Some(h)), Err(()), "{l} {h}");
        }
    }

    #[test]
    fn a_band_is_replaced_per_code() {
        let g = with_band(None, "p", "8480-6", Some(90.0), Some(160.0));
        let g = with_band(Some(&g), "p", "59408-5", Some(92.0), None);
        let g = with_band(Some(&g), "p", "8480-6", None, Some(150.0));
        let bands = bands_of(&g, Some("1"));
        assert_eq!(bands.len(), 2);
        let sys = bands
            .iter()
            .find(|b| b.code == "8480-6")
            .map(|b| (b.low, b.high));
        assert_eq!(sys, Some((None, Some(150.0))));
        let cleared = with_band(Some(&g), "p", "59408-5", None, None);
        assert_eq!(bands_of(&cleared, None).len(), 1);
        let b = &bands_of(&g, None)[0];
        assert_eq!(band_of(b, &[95.0, 97.0]).0, 92.0);
        assert_eq!(limits_text(b), "≥ 92");
    }
}
