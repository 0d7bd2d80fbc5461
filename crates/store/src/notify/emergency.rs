//! Telling the patient about emergency access (access-policy.md § 9: ETREAT reads of
//! another organisation's items "notify the patient").
//!
//! Why an outbox entry per practitioner and day, not per read: a clinician in an
//! emergency opens many items in minutes; the patient should hear once that it
//! happened (and find every read in the access log), not once per page. The entry's
//! item is a pseudo-reference `Patient/{id}/$emergency/{hpr}/{day}`: unique per
//! episode under the outbox's `UNIQUE (person, item)`, and never a resource, so the
//! scheduler does not re-decide it as an item (the patient is always told; the
//! access log itself is decided by the policy when they look).
use std::collections::BTreeSet;

use nordlys_policy::{oslo_today, Principal, Purpose};

use super::decide::notifier_ctx;
use super::OutboxEntry;
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::{ItemColumns, StoredResource};
use crate::service::FhirStore;

/// The outbox kind of an emergency-access notice.
pub const EMERGENCY_KIND: &str = "emergency-access";
const MARK: &str = "/$emergency/";

/// Whether an outbox item is an emergency-access notice (not a resource).
pub fn is_emergency_item(item: &str) -> bool {
    item.contains(MARK)
}

impl FhirStore {
    /// After an access under ETREAT: one notice per patient whose items of another
    /// organisation were shown, to the patient's own national ids, once per
    /// practitioner and Oslo day. Other accesses do nothing.
    pub(crate) async fn notify_emergency<'a>(
        &self,
        ctx: &RequestContext,
        items: impl IntoIterator<Item = &'a StoredResource>,
    ) -> StoreResult<()> {
        let Principal::Practitioner {
            hpr,
            orgnr,
            purpose: Some(Purpose::EmergencyTreat),
        } = &ctx.principal
        else {
            return Ok(());
        };
        let patients: BTreeSet<String> = items
            .into_iter()
            .filter(|s| s.columns.owner_org.as_deref() != Some(orgnr.as_str()))
            .filter_map(|s| s.columns.patient_id.clone())
            .collect();
        if patients.is_empty() {
            return Ok(());
        }
        let loader = notifier_ctx(ctx.now);
        let columns: Vec<ItemColumns> = patients
            .iter()
            .map(|p| ItemColumns {
                patient_id: Some(p.clone()),
                ..ItemColumns::default()
            })
            .collect();
        let gate = self.gate(&loader, columns.iter()).await?;
        let day = oslo_today(ctx.now).format("%Y-%m-%d").to_string();
        let now_ms = ctx.now.timestamp_millis();
        let mut entries = Vec::new();
        for p in &patients {
            let Some(view) = gate.view(p) else { continue };
            let item = format!("Patient/{p}{MARK}{hpr}/{day}");
            for pid in &view.base.facts.national_ids {
                entries.push(OutboxEntry::new(
                    pid,
                    &item,
                    p,
                    EMERGENCY_KIND,
                    now_ms,
                    now_ms,
                ));
            }
        }
        if !entries.is_empty() {
            self.backend.enqueue(&loader, entries).await?;
        }
        Ok(())
    }
}
