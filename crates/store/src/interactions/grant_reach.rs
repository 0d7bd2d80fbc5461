//! A practitioner's grant reaches only what the practitioner sees (§ 8 × § 9).
//!
//! Why a check of its own, after `check_write`: that one asks the policy who sets
//! which kind of grant; this one decides, for the author, the grant's patient and every
//! item the grant names (`provision.data`) and asks `nordlys_policy::may_grant_reach`.
//! Without it a practitioner with no care relationship could open a youth's referral to
//! a parent, or write a foster-parent grant for any child, by one POST. Lifting a rule
//! (a version that is no longer active) narrows access and is not checked here.
//! A RelatedPerson is checked the same way: a parent named on a record sees what a
//! parent sees, so only a practitioner or system that sees the patient may name one.
use nordlys_policy::{grant_from_consent, may_grant_reach, Decision, Principal};
use serde_json::Value;

use crate::access::{AccessGate, GRANT_KIND_SYSTEM};
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{PendingWrite, ResourceKey};
use crate::service::FhirStore;

fn key_of(reference: &str) -> Option<ResourceKey> {
    let (rt, id) = reference.split_once('/')?;
    (!rt.is_empty() && super::prepare::is_valid_id(id)).then(|| ResourceKey::new(rt, id))
}

impl FhirStore {
    /// Refuses (403) a practitioner's active grant about a patient or item they do not
    /// see, and a practitioner's or system's RelatedPerson (a parent, a guardian) on a
    /// patient they do not see.
    pub(crate) async fn check_grant_reach(
        &self,
        ctx: &RequestContext,
        gate: &mut AccessGate,
        write: &PendingWrite,
    ) -> StoreResult<()> {
        if write.resource_type == "RelatedPerson"
            && !matches!(ctx.principal, Principal::Citizen { .. })
            && write.resource.is_some()
        {
            return self.check_relate(ctx, gate, write).await;
        }
        let (Principal::Practitioner { .. }, Some(resource)) =
            (&ctx.principal, write.resource.as_ref())
        else {
            return Ok(());
        };
        if write.resource_type != "Consent" {
            return Ok(());
        }
        let is_grant = resource
            .pointer("/category/0/coding/0/system")
            .and_then(Value::as_str)
            == Some(GRANT_KIND_SYSTEM);
        let status = resource.get("status").and_then(Value::as_str);
        if !is_grant || matches!(status, Some("inactive" | "rejected" | "entered-in-error")) {
            return Ok(());
        }
        // A malformed grant or one without a patient was refused by `check_write`.
        let (Ok(grant), Some(patient_id)) = (
            grant_from_consent(resource),
            write.columns.patient_id.as_deref(),
        ) else {
            return Ok(());
        };
        let patient_key = ResourceKey::new("Patient", patient_id);
        let item_keys: Vec<Option<ResourceKey>> =
            grant.data.iter().map(|d| key_of(&d.reference)).collect();
        let mut keys: Vec<ResourceKey> = item_keys.iter().flatten().cloned().collect();
        keys.push(patient_key.clone());
        let stored: Vec<_> = self
            .backend
            .read_many(ctx, &keys)
            .await?
            .into_iter()
            .filter(|s| !s.deleted)
            .collect();
        self.extend_gate(ctx, gate, stored.iter().map(|s| &s.columns))
            .await?;
        let decide = |key: &ResourceKey| -> Option<Decision> {
            let s = stored.iter().find(|s| &s.key() == key)?;
            // An item of another patient is not this grant's to name.
            let own = key.resource_type == "Patient"
                || s.columns.patient_id.as_deref() == Some(patient_id);
            own.then(|| gate.decide(&s.columns))
        };
        let patient = decide(&patient_key);
        let items: Vec<Option<Decision>> = item_keys
            .iter()
            .map(|k| k.as_ref().and_then(&decide))
            .collect();
        may_grant_reach(grant.kind, patient.as_ref(), &items)
            .map_err(|e| StoreError::Forbidden(e.to_string()))
    }

    /// A RelatedPerson names who may act for the patient (§ 3): the writer must see
    /// the patient it is written on.
    async fn check_relate(
        &self,
        ctx: &RequestContext,
        gate: &mut AccessGate,
        write: &PendingWrite,
    ) -> StoreResult<()> {
        let refused = || {
            StoreError::Forbidden(
                "you record relatives only for a patient you have a care relationship with".into(),
            )
        };
        let Some(patient_id) = write.columns.patient_id.as_deref() else {
            return Ok(());
        };
        let key = ResourceKey::new("Patient", patient_id);
        let Some(patient) = self
            .backend
            .read_current(ctx, &key)
            .await?
            .filter(|p| !p.deleted)
        else {
            // No such patient yet (say, created in the same transaction Bundle): the
            // relative reaches nothing now. Left open: a Patient later PUT under that
            // very id (client-chosen ids) would find this relative waiting.
            return Ok(());
        };
        self.extend_gate(ctx, gate, [&patient.columns]).await?;
        if nordlys_policy::may_relate(Some(&gate.decide(&patient.columns))) {
            Ok(())
        } else {
            Err(refused())
        }
    }
}
