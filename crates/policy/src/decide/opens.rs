//! When does a hidden item open, if only time stands in the way?
//!
//! Why by re-deciding at candidate instants instead of reading the reason alone: an
//! item can be held by more than one thing that ends with time (a deferral, a lockdown
//! period, an age threshold). The candidates are every instant at which any input
//! changes by itself — deferral ends, the patient's 12th/16th/18th birthdays (Oslo
//! midnight), grant periods starting or ending — and the answer is the first at which
//! the same principal, with nothing else changed, sees the item.
use chrono::{DateTime, Utc};

use super::context::Ctx;
use super::deferral::automatic_deferrals;
use super::{decide, DecisionInput};
use crate::json::from_ms;
use crate::level::{birthday, oslo_day_start};
use crate::principal::Principal;
use crate::relation::relation_candidates;

/// Most candidate instants examined (grants are few; this only bounds odd input).
const MAX_CANDIDATES: usize = 64;

/// The instant a currently hidden item becomes visible (metadata or full) to the same
/// principal, if nothing but time changes; `None` if it is visible now or never opens
/// by time alone.
pub fn opens_at(input: &DecisionInput) -> Option<DateTime<Utc>> {
    if decide(input).visible() {
        return None;
    }
    let ctx = Ctx::new(input, input.item, input.audited)?;
    let mut candidates: Vec<DateTime<Utc>> = Vec::new();
    candidates.extend(ctx.deferred_until);
    candidates.extend(automatic_deferrals(&ctx).into_iter().map(|(_, t)| t));
    if let Some(b) = input.patient.birth_date {
        candidates.extend([12, 16, 18].map(|y| oslo_day_start(birthday(b, y))));
    }
    for g in input.grants {
        if g.period.start_ms != i64::MIN {
            candidates.push(from_ms(g.period.start_ms));
        }
        if g.period.end_ms != i64::MAX {
            candidates.push(from_ms(g.period.end_ms.saturating_add(1)));
        }
    }
    for rp in &input.patient.related {
        for s in &rp.responsibility {
            if s.start_ms != i64::MIN {
                candidates.push(from_ms(s.start_ms));
            }
        }
    }
    candidates.retain(|t| *t > input.now);
    candidates.sort_unstable();
    candidates.dedup();
    candidates.truncate(MAX_CANDIDATES);
    for t in candidates {
        let relations = match input.principal {
            Principal::Citizen { pid, .. } => {
                relation_candidates(pid, input.patient, input.grants, t)
            }
            _ => input.relations.to_vec(),
        };
        let at = DecisionInput {
            now: t,
            relations: &relations,
            ..*input
        };
        if decide(&at).visible() {
            return Some(t);
        }
    }
    None
}
