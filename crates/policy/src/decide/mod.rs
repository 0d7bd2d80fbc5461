//! The decision: one principal, one item, now → a level with a reason (§§ 5–9).
//!
//! Why one entry point with a context: every channel asks the same question, so the
//! steps (labels, locks, the § 6 table, deferrals, blocks) live in one place and run in
//! a fixed order; the context caches what more than one step needs (the item's linkage,
//! the patient's age band) so a decision stays in the low microseconds.
mod citizen;
mod clinical;
pub(crate) mod context;
mod deferral;
mod opens;

use chrono::{DateTime, Utc};

use crate::config::PolicyConfig;
use crate::grant::Grant;
use crate::item::ItemFacts;
use crate::level::Level;
use crate::links::LinkGraph;
use crate::patient::PatientFacts;
use crate::principal::Principal;
use crate::reason::Reason;
use crate::relation::Relation;

pub use opens::opens_at;

/// Everything a decision depends on. Build the slow parts once per patient
/// (`PatientFacts`, `LinkGraph`, grants) and once per principal (`relations`).
#[derive(Debug, Clone, Copy)]
pub struct DecisionInput<'a> {
    pub principal: &'a Principal,
    /// References the caller knows denote the principal, e.g. `Practitioner/abc` for
    /// the HPR number in the token, or the principal's `Organization/…` (for named
    /// blocks, research grants and held referrals). May be empty.
    pub principal_refs: &'a [String],
    /// For citizens: [`crate::relation_candidates`] (or [`crate::relations`]) at `now`.
    pub relations: &'a [Relation],
    pub patient: &'a PatientFacts,
    pub item: &'a ItemFacts,
    /// For an AuditEvent: the item it is about (its `entity.what`), if loaded. Without
    /// it, the access-log cells that depend on the audited item answer `none`.
    pub audited: Option<&'a ItemFacts>,
    pub links: &'a LinkGraph,
    /// The patient's grants, in force or not (periods and status are checked here).
    pub grants: &'a [Grant],
    pub now: DateTime<Utc>,
    pub config: &'a PolicyConfig,
}

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub level: Level,
    pub reason: Reason,
    /// Access under emergency purpose (ETREAT) to another organisation's item: the
    /// patient must be notified (§ 9), and the access logged with the emergency flag.
    pub notify_patient: bool,
}

/// What a metadata-level answer may show (see [`crate::redact_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redaction {
    /// Nothing to redact (`full`) or nothing to show (`none`).
    NotApplicable,
    /// The § 1 metadata view.
    Metadata,
    /// Demographics for a parent of a youth: name and age only.
    NameAndAge,
    /// Demographics for a limited proxy: name only.
    NameOnly,
}

impl Decision {
    pub fn new(level: Level, reason: Reason) -> Decision {
        Decision {
            level,
            reason,
            notify_patient: false,
        }
    }
    pub fn none(reason: Reason) -> Decision {
        Decision::new(Level::None, reason)
    }
    pub fn metadata(reason: Reason) -> Decision {
        Decision::new(Level::Metadata, reason)
    }
    pub fn full(reason: Reason) -> Decision {
        Decision::new(Level::Full, reason)
    }

    /// The item exists for the principal (metadata or full).
    pub fn visible(&self) -> bool {
        self.level > Level::None
    }

    /// The level of the item's content (Binary, attachment): only `full` shows it (§ 1).
    pub fn content_level(&self) -> Level {
        if self.level == Level::Full {
            Level::Full
        } else {
            Level::None
        }
    }

    /// How to redact the resource for this decision.
    pub fn redaction(&self) -> Redaction {
        match (self.level, self.reason) {
            (Level::Metadata, Reason::ParentYouthNameAge) => Redaction::NameAndAge,
            (Level::Metadata, Reason::ProxyLimitedNameOnly) => Redaction::NameOnly,
            (Level::Metadata, _) => Redaction::Metadata,
            _ => Redaction::NotApplicable,
        }
    }
}

/// Decides what `input.principal` sees of `input.item` at `input.now`.
pub fn decide(input: &DecisionInput) -> Decision {
    if input.item.resource_type == "Subscription" {
        return subscription(input);
    }
    // Only the store's dedicated operation reads or writes its own records (a
    // person's notification preferences): no ordinary read shows them to anyone.
    if input.item.store_record {
        return Decision::none(Reason::StoreRecord);
    }
    let Some(ctx) = context::Ctx::new(input, input.item, input.audited) else {
        return Decision::full(Reason::Directory);
    };
    // A citizen's unsent form answer is the filler's side's alone (docs/forms.md):
    // no organisation, not even by care relationship or emergency, sees a draft.
    if input.item.citizen_draft && !matches!(input.principal, Principal::Citizen { .. }) {
        return Decision::none(Reason::FormDraftCitizenOnly);
    }
    match input.principal {
        Principal::Citizen { level, .. } => citizen::decide(&ctx, *level),
        Principal::Practitioner {
            hpr,
            orgnr,
            purpose,
        } => clinical::practitioner(&ctx, hpr, orgnr, *purpose),
        Principal::System { orgnr, scopes, .. } => clinical::system(&ctx, orgnr, scopes),
    }
}

/// A Subscription (no patient, but not directory data: it names an endpoint and may
/// carry the receiver's secrets in its headers) is seen only by the systems of the
/// organisation that owns it.
fn subscription(input: &DecisionInput) -> Decision {
    match input.principal {
        Principal::System { orgnr, .. } if input.item.owner_org.as_deref() == Some(orgnr) => {
            Decision::full(Reason::SystemOwnOrg)
        }
        Principal::System { .. } => Decision::none(Reason::SystemOtherOrg),
        Principal::Practitioner { .. } => Decision::none(Reason::PractitionerNoCareRelationship),
        Principal::Citizen { .. } => Decision::none(Reason::NoRelation),
    }
}

/// Whether a results item written by `writer_org` must be refused at intake because
/// the patient has a reservation in force (§ 8): `Some(Reason::Reservation)` if so.
pub fn intake_refusal(
    grants: &[Grant],
    category: Option<crate::level::Category>,
    writer_org: &str,
    now: DateTime<Utc>,
    config: &PolicyConfig,
) -> Option<Reason> {
    let now_ms = now.timestamp_millis();
    let reserved = grants.iter().any(|g| {
        g.kind == crate::grant::GrantKind::Reservation
            && g.in_force(now_ms)
            && category.is_some_and(|c| {
                c == crate::level::Category::Results
                    && (g.categories.is_empty() || g.categories.contains(c))
            })
    });
    let exempt = config
        .reservation_exempt_orgs
        .iter()
        .any(|o| o == writer_org);
    (reserved && !exempt).then_some(Reason::Reservation)
}
