//! Who is told about which items: candidates from the patient's facts and grants,
//! each decided as a citizen through the read gate; and the two moments entries are
//! made — with an item write (same transaction), and after a write that changes a
//! patient's rules or relations (grants, RelatedPersons, the Patient).
//!
//! Why two moments: entries committed with a write are decided against the patient's
//! view *before* the write (the gate reads committed data). Items written together
//! with what decides them (a transaction creating the Patient and a document, a
//! referral and what is linked to it) and every item a new grant opens are therefore
//! decided again once the write is committed; `ON CONFLICT` keeps that exactly-once.
//!
//! Why the second moment cannot be lost: the batch commits, in its own transaction, a
//! *follow-up marker* per patient concerned (an outbox row for the pseudo-person
//! [`FOLLOW_UP_PERSON`], due a little later). The follow-up runs right after the
//! commit and settles its markers; if it fails or the process stops in between, the
//! marker falls due and the scheduler runs the follow-up for that patient instead.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use nordlys_policy::{
    GrantKind, ItemFacts, Level, PatientFacts, Principal, SecurityLevel, DNR_SYSTEM, FNR_SYSTEM,
};

use super::{kind_of, OutboxEntry};
use crate::access::PatientBase;
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::{ItemColumns, PendingWrite};
use crate::search::{Clause, SearchPlan, ANY_TYPE};
use crate::service::FhirStore;

/// Types whose writes change who relates to the patient or which rules apply: all of
/// the patient's items are decided again after the commit.
const RULE_TYPES: [&str; 3] = ["Patient", "RelatedPerson", "Consent"];
/// Types that link items to referrals: the batch's items are decided again.
const LINK_TYPES: [&str; 3] = ["ServiceRequest", "Encounter", "DiagnosticReport"];

/// The `person` of follow-up markers: never a national id, never delivered.
pub const FOLLOW_UP_PERSON: &str = "~follow-up";
/// How long after the commit an unsettled marker is taken over by the scheduler.
const FOLLOW_UP_GRACE_MS: i64 = 30_000;

/// What to decide again once a batch is committed.
#[derive(Debug, Default)]
pub(crate) struct FollowUp {
    /// Patients whose every item is decided again.
    patients: BTreeSet<String>,
    /// Items of this batch decided again (their patients' links changed).
    items: Vec<(String, ItemColumns)>,
}

impl FollowUp {
    /// Markers to commit with the batch: one per patient concerned, unique per commit.
    pub(crate) fn markers(&self, now_ms: i64) -> Vec<OutboxEntry> {
        let mut patients: BTreeSet<&str> = self.patients.iter().map(String::as_str).collect();
        patients.extend(
            self.items
                .iter()
                .filter_map(|(_, c)| c.patient_id.as_deref()),
        );
        let commit = uuid::Uuid::new_v4().simple().to_string();
        patients
            .into_iter()
            .map(|p| {
                OutboxEntry::new(
                    FOLLOW_UP_PERSON,
                    &format!("Patient/{p}#{commit}"),
                    p,
                    "follow-up",
                    now_ms + FOLLOW_UP_GRACE_MS,
                    now_ms,
                )
            })
            .collect()
    }

    /// A follow-up of every item of one patient (what a marker stands for).
    pub(crate) fn patient(patient_id: &str) -> FollowUp {
        FollowUp {
            patients: BTreeSet::from([patient_id.to_owned()]),
            items: Vec::new(),
        }
    }
}

/// Whether an outbox row is a follow-up marker (not a notification).
pub fn is_marker(entry: &OutboxEntry) -> bool {
    entry.person == FOLLOW_UP_PERSON
}

/// A context for the store's own loads (no organisation, no scopes: it reads the
/// policy's inputs, never returns items to anyone).
pub(crate) fn notifier_ctx(now: DateTime<Utc>) -> RequestContext {
    let mut ctx = RequestContext::new(Principal::System {
        client_id: "nordlys-notify".into(),
        orgnr: String::new(),
        scopes: Vec::new(),
    });
    ctx.now = now;
    ctx
}

/// A citizen at level high, as the person would be when logging in to read.
pub(crate) fn citizen_ctx(pid: &str, now: DateTime<Utc>) -> RequestContext {
    let mut ctx = RequestContext::new(Principal::Citizen {
        pid: pid.to_string(),
        level: SecurityLevel::High,
    });
    ctx.now = now;
    ctx
}

/// Everyone who could relate to the patient: its own national ids, its
/// RelatedPersons', and the actors of its representation grants. The policy decides
/// which of them actually see anything.
fn candidates(base: &PatientBase) -> BTreeSet<String> {
    let facts: &PatientFacts = &base.facts;
    let mut out: BTreeSet<String> = facts.national_ids.iter().cloned().collect();
    out.extend(facts.related.iter().filter_map(|r| r.national_id.clone()));
    let representing = [
        GrantKind::Proxy,
        GrantKind::FosterParent,
        GrantKind::LacksCapacity,
    ];
    for g in base
        .grants
        .iter()
        .filter(|g| representing.contains(&g.kind))
    {
        for actor in &g.actors {
            if let Some((system, value)) = &actor.identifier {
                if system == FNR_SYSTEM || system == DNR_SYSTEM {
                    out.insert(value.clone());
                }
            }
            if let Some(r) = actor.reference.as_deref() {
                out.extend(facts.related_person(r).and_then(|p| p.national_id.clone()));
            }
        }
    }
    out
}

/// The item's facts, if it is something a person is told about.
fn notifiable(columns: &ItemColumns) -> Option<(ItemFacts, &'static str)> {
    columns.patient_id.as_ref()?;
    let facts: ItemFacts = serde_json::from_str(columns.facts.as_deref()?).ok()?;
    if facts.do_not_notify {
        return None;
    }
    let kind = kind_of(&facts.resource_type, facts.category)?;
    Some((facts, kind))
}

impl FhirStore {
    /// The entries these items (`Type/id`, columns) call for at `now`: for each person
    /// who may relate to the item's patient, due now if the person sees the item now
    /// (metadata or full), due when it opens if only a deferral hides it, none else.
    pub(crate) async fn outbox_entries(
        &self,
        now: DateTime<Utc>,
        items: &[(String, ItemColumns)],
    ) -> StoreResult<Vec<OutboxEntry>> {
        let mut by_patient: BTreeMap<&str, Vec<(&str, &ItemColumns, &'static str)>> =
            BTreeMap::new();
        for (item, columns) in items {
            if let (Some((_, kind)), Some(p)) = (notifiable(columns), &columns.patient_id) {
                by_patient
                    .entry(p.as_str())
                    .or_default()
                    .push((item.as_str(), columns, kind));
            }
        }
        let loader = notifier_ctx(now);
        let now_ms = now.timestamp_millis();
        let mut out = Vec::new();
        for (patient_id, list) in by_patient {
            let base_gate = self.gate(&loader, list.iter().map(|(_, c, _)| *c)).await?;
            let Some(view) = base_gate.view(patient_id) else {
                continue;
            };
            for person in candidates(&view.base) {
                let ctx = citizen_ctx(&person, now);
                let gate = self.gate(&ctx, list.iter().map(|(_, c, _)| *c)).await?;
                for (item, columns, kind) in &list {
                    let (decision, opens, _) = gate.explain(columns);
                    let due = if decision.level != Level::None {
                        Some(now_ms)
                    } else if decision.reason.opens_at().is_some() {
                        // Hidden by a deferral: due when it opens for this person (not
                        // when the deferral ends, if something else still hides it).
                        opens.map(|t| t.timestamp_millis())
                    } else {
                        None
                    };
                    if let Some(due) = due {
                        let entry = OutboxEntry::new(&person, item, patient_id, kind, due, now_ms);
                        let days = self.config.letter_reminder_days;
                        out.extend(super::reminder::reminder_for(&entry, days));
                        out.push(entry);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Before a commit: the entries to commit with the batch, and what to decide again
    /// once it is committed.
    pub(crate) async fn plan_notifications(
        &self,
        ctx: &RequestContext,
        writes: &[PendingWrite],
    ) -> StoreResult<(Vec<OutboxEntry>, FollowUp)> {
        let items: Vec<(String, ItemColumns)> = writes
            .iter()
            .filter(|w| w.resource.is_some() && notifiable(&w.columns).is_some())
            .map(|w| (format!("{}/{}", w.resource_type, w.id), w.columns.clone()))
            .collect();
        let mut follow = FollowUp::default();
        let mut linked = BTreeSet::new();
        for w in writes {
            let Some(p) = w.columns.patient_id.clone() else {
                continue;
            };
            if RULE_TYPES.contains(&w.resource_type.as_str()) {
                follow.patients.insert(p);
            } else if LINK_TYPES.contains(&w.resource_type.as_str()) {
                linked.insert(p);
            }
        }
        follow.items = items
            .iter()
            .filter(|(_, c)| {
                c.patient_id
                    .as_ref()
                    .is_some_and(|p| linked.contains(p) && !follow.patients.contains(p))
            })
            .cloned()
            .collect();
        if items.is_empty() {
            return Ok((Vec::new(), follow));
        }
        Ok((self.outbox_entries(ctx.now, &items).await?, follow))
    }

    /// After a commit: decides again what the batch may have opened, queues it and
    /// settles the batch's markers. The write is committed whatever happens here, so a
    /// failure is logged, not returned: the markers stay due and the scheduler takes
    /// the follow-up over.
    pub(crate) async fn notify_after_commit(
        &self,
        ctx: &RequestContext,
        follow: FollowUp,
        markers: &[OutboxEntry],
    ) {
        match self.follow_up(ctx.now, follow).await {
            Ok(_) => self.settle_markers(ctx.now, markers).await,
            Err(e) => {
                tracing::warn!(error = %e, request_id = %ctx.request_id, "notifications after commit failed; the scheduler will retry");
            }
        }
    }

    /// Marks follow-up markers done (delivered: never to be taken up again).
    pub(crate) async fn settle_markers(&self, now: DateTime<Utc>, markers: &[OutboxEntry]) {
        let loader = notifier_ctx(now);
        for m in markers {
            if let Err(e) = self
                .backend
                .outbox_settle(
                    &loader,
                    &m.person,
                    &m.item,
                    super::Settle::Delivered(now.timestamp_millis()),
                )
                .await
            {
                tracing::warn!(error = %e, "settling a follow-up marker failed; it will run again");
            }
        }
    }

    pub(crate) async fn follow_up(
        &self,
        now: DateTime<Utc>,
        follow: FollowUp,
    ) -> StoreResult<usize> {
        let mut items = follow.items;
        let loader = notifier_ctx(now);
        for p in &follow.patients {
            let plan = SearchPlan {
                resource_type: ANY_TYPE.to_string(),
                clauses: vec![Clause::Compartment(p.clone())],
                sort: Vec::new(),
            };
            for hit in self.backend.search(&loader, &plan).await? {
                items.push((
                    format!("{}/{}", hit.key.resource_type, hit.key.id),
                    hit.columns,
                ));
            }
        }
        if items.is_empty() {
            return Ok(0);
        }
        let entries = self.outbox_entries(now, &items).await?;
        if entries.is_empty() {
            return Ok(0);
        }
        self.backend.enqueue(&loader, entries).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nordlys_policy::{patient_facts, Actor, Grant, LinkGraph};
    use serde_json::json;

    #[test]
    fn candidates_are_own_related_and_representatives_ids() {
        let patient = json!({"resourceType": "Patient", "id": "p",
            "identifier": [{"system": FNR_SYSTEM, "value": "11111111111"}]});
        let mother = json!({"resourceType": "RelatedPerson", "id": "m",
            "patient": {"reference": "Patient/p"},
            "identifier": [{"system": FNR_SYSTEM, "value": "22222222222"}]});
        let mut proxy = Grant::new(GrantKind::Proxy);
        proxy.actors.push(Actor {
            identifier: Some((FNR_SYSTEM.into(), "33333333333".into())),
            ..Actor::default()
        });
        let mut block = Grant::new(GrantKind::Block);
        block.actors.push(Actor {
            identifier: Some((FNR_SYSTEM.into(), "44444444444".into())),
            ..Actor::default()
        });
        let base = PatientBase {
            facts: patient_facts(&patient, &[mother]),
            grants: vec![proxy, block],
            links: LinkGraph::new(),
        };
        let got: Vec<String> = candidates(&base).into_iter().collect();
        assert_eq!(got, ["11111111111", "22222222222", "33333333333"]);
    }
}
