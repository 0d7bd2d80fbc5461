//! Deferral (utsatt innsyn, § 7): when an item the table would show to a citizen opens.
//!
//! Why the latest opening wins: several deferrals can hold one item (a result linked to
//! a paediatric referral, with a NORU label); it opens when the last of them ends, and
//! that instant is what the reason carries, so notifications can be scheduled.
//! `release` ends the automatic deferrals (results, paediatric) but not a NORU label:
//! the label is a clinician's explicit decision that only removing it undoes.
use chrono::{DateTime, Duration, Utc};

use super::context::Ctx;
use crate::grant::GrantKind;
use crate::label::Label;
use crate::level::Category;
use crate::reason::{Deferral, Reason};

/// The deferral holding the item back now, if any.
pub(crate) fn deferral(ctx: &Ctx) -> Option<Reason> {
    let now = ctx.input.now;
    let mut best: Option<(Deferral, DateTime<Utc>)> = None;
    let mut consider = |kind: Deferral, t: DateTime<Utc>| {
        if t > now && best.is_none_or(|(_, b)| t > b) {
            best = Some((kind, t));
        }
    };
    if ctx.labels.contains(Label::Noru) {
        if let Some(t) = ctx.deferred_until {
            consider(Deferral::Label, t);
        }
    }
    let automatic = automatic_deferrals(ctx);
    if automatic.iter().any(|(_, t)| *t > now) && !ctx.covered_by(GrantKind::Release) {
        for (kind, t) in automatic {
            consider(kind, t);
        }
    }
    best.map(|(kind, until)| Reason::Deferred { kind, until })
}

/// The automatic deferrals of § 7 and when each ends (past or future).
pub(crate) fn automatic_deferrals(ctx: &Ctx) -> Vec<(Deferral, DateTime<Utc>)> {
    let cfg = ctx.input.config;
    let mut out = Vec::new();
    let item = ctx.item;
    if ctx.cat == Category::Results
        && matches!(
            item.resource_type.as_str(),
            "DiagnosticReport" | "Observation"
        )
    {
        let mut base = item.issued.unwrap_or(item.stored_at);
        for r in ctx.input.links.reports_of(item) {
            base = base.max(r.issued.unwrap_or(r.stored_at));
        }
        out.push((Deferral::Results, plus_days(base, cfg.result_deferral_days)));
    }
    if !cfg.paediatric_units.is_empty() {
        for r in ctx.linked() {
            if let Some(n) = ctx.input.links.node(r) {
                if n.service_request && !n.requisition && cfg.is_paediatric(&n.receivers) {
                    out.push((
                        Deferral::Paediatric,
                        plus_days(n.received, cfg.paediatric_deferral_days),
                    ));
                }
            }
        }
    }
    out
}

fn plus_days(t: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    t.checked_add_signed(Duration::days(days))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}
