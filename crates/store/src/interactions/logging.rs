//! Writing the access log from the interactions: which items of which patients an
//! access touched, grouped into one AuditEvent per patient.
use std::collections::BTreeMap;

use super::prepare::prepare_write;
use crate::audit::{
    audit_event, verify_links, AuditAction, AuditOutcome, AuditRecord, ChainReport, GENESIS,
};
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::{PendingWrite, Precondition, ResourceKey, StoredResource};
use crate::service::FhirStore;

/// Most entities named in one event; a huge search names the first ones and the count.
const MAX_ENTITIES: usize = 200;

/// Groups items by patient, leaving out directory data and the log itself (reading
/// the access log is not itself logged, or every look at it would grow it).
pub(crate) fn by_patient<'a>(
    items: impl IntoIterator<Item = &'a StoredResource>,
) -> BTreeMap<String, Vec<ResourceKey>> {
    let mut map: BTreeMap<String, Vec<ResourceKey>> = BTreeMap::new();
    for s in items {
        if s.resource_type == "AuditEvent" {
            continue;
        }
        if let Some(p) = &s.columns.patient_id {
            let keys = map.entry(p.clone()).or_default();
            if keys.len() < MAX_ENTITIES {
                keys.push(s.key());
            }
        }
    }
    map
}

impl FhirStore {
    /// The chained AuditEvent writes for these records.
    pub(crate) fn audit_writes(
        &self,
        ctx: &RequestContext,
        records: &[AuditRecord],
    ) -> StoreResult<Vec<PendingWrite>> {
        let now = chrono::Utc::now();
        let mut out = Vec::with_capacity(records.len());
        for r in records {
            let event = audit_event(ctx, r, now);
            let id = uuid::Uuid::new_v4().to_string();
            let mut w = prepare_write(event, "AuditEvent", &id, None, Precondition::MustNotExist)?;
            w.chained = true;
            out.push(w);
        }
        Ok(out)
    }

    /// Access-log writes for a batch of data writes, to commit in the same transaction:
    /// one event per (patient, action), naming the items written.
    pub(crate) fn audits_for_writes(
        &self,
        ctx: &RequestContext,
        writes: &[PendingWrite],
        created: &[bool],
    ) -> StoreResult<Vec<PendingWrite>> {
        let mut groups: BTreeMap<(String, u8), Vec<ResourceKey>> = BTreeMap::new();
        for (i, w) in writes.iter().enumerate() {
            let Some(p) = &w.columns.patient_id else {
                continue;
            };
            if w.chained {
                continue;
            }
            let action = match (
                w.resource.is_none(),
                created.get(i).copied().unwrap_or(false),
            ) {
                (true, _) => 2,
                (false, true) => 0,
                (false, false) => 1,
            };
            let keys = groups.entry((p.clone(), action)).or_default();
            if keys.len() < MAX_ENTITIES {
                keys.push(ResourceKey::new(&w.resource_type, &w.id));
            }
        }
        let records: Vec<AuditRecord> = groups
            .into_iter()
            .map(|((patient_id, a), entities)| AuditRecord {
                action: [
                    AuditAction::Create,
                    AuditAction::Update,
                    AuditAction::Delete,
                ][usize::from(a)],
                patient_id,
                entities,
                outcome: AuditOutcome::Success,
                reason: None,
                on_behalf_of: None,
            })
            .collect();
        self.audit_writes(ctx, &records)
    }

    /// Logs an access that returned `items` (grouped per patient), before the caller answers.
    pub(crate) async fn log_access<'a>(
        &self,
        ctx: &RequestContext,
        action: AuditAction,
        items: impl IntoIterator<Item = &'a StoredResource>,
    ) -> StoreResult<()> {
        let items: Vec<&StoredResource> = items.into_iter().collect();
        if ctx.purpose == Some(nordlys_policy::Purpose::EmergencyTreat) {
            // § 9: the patient hears of emergency access (after the log is written
            // below would be as good; a failure here must not hide the read's log).
            if let Err(e) = self.notify_emergency(ctx, items.iter().copied()).await {
                tracing::warn!(error = %e, request_id = %ctx.request_id, "emergency-access notice not queued");
            }
        }
        let records: Vec<AuditRecord> = by_patient(items)
            .into_iter()
            .map(|(patient_id, entities)| AuditRecord {
                action,
                patient_id,
                entities,
                outcome: AuditOutcome::Success,
                reason: None,
                on_behalf_of: None,
            })
            .collect();
        if records.is_empty() {
            return Ok(());
        }
        let writes = self.audit_writes(ctx, &records)?;
        self.audit.record(writes).await
    }

    /// Logs a refused access to an existing item of a patient.
    pub(crate) async fn log_refusal(
        &self,
        ctx: &RequestContext,
        action: AuditAction,
        item: &StoredResource,
    ) -> StoreResult<()> {
        let Some(patient_id) = item.columns.patient_id.clone() else {
            return Ok(());
        };
        if item.resource_type == "AuditEvent" {
            return Ok(());
        }
        let record = AuditRecord {
            action,
            patient_id,
            entities: vec![item.key()],
            outcome: AuditOutcome::Refused,
            reason: None,
            on_behalf_of: None,
        };
        let writes = self.audit_writes(ctx, &[record])?;
        self.audit.record(writes).await
    }

    /// Walks the whole hash chain of the access log (operator's `nordlys audit verify`).
    pub async fn unchecked_verify_audit(&self) -> StoreResult<ChainReport> {
        let ctx = RequestContext::new(nordlys_policy::Principal::System {
            client_id: "nordlys-audit-verify".into(),
            orgnr: String::new(),
            scopes: Vec::new(),
        });
        let mut report = ChainReport::default();
        let mut state = (0i64, GENESIS.to_string());
        loop {
            let links = self.backend.audit_chain(&ctx, state.0, 1000).await?;
            if links.is_empty() {
                return Ok(report);
            }
            verify_links(&links, &mut state, &mut report);
            if report.broken.is_some() {
                return Ok(report);
            }
        }
    }
}
