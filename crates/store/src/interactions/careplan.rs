//! The shared care plan (DBEP, issue 6 § 3) as store operations: creating a plan and
//! changing it, by the care team or by the patient.
//!
//! Why dedicated operations behind the ordinary `POST`/`PUT CarePlan`: every change must
//! (a) never overwrite another writer's change silently — an update needs `If-Match`
//! (428 without), and the backend checks the version inside the transaction, so of two
//! writers holding the same version exactly one commits and the other gets 412;
//! (b) be attributed — a Provenance naming the new version, the agent and the time is
//! committed in the SAME batch, so there is no change without its Provenance;
//! (c) keep one active plan per patient, race-safe on both stores: an active plan holds
//! a marker (a `Basic` with an id derived from the patient) created with "must not
//! exist" in the plan's batch, so a second active plan collides on it (409) however
//! the two requests interleave (SQLite's single writer, PostgreSQL's unique key).
//! Who may write is the policy's answer (`nordlys_policy::may_write`, the care team;
//! `may_act` for a citizen, who changes only their own parts, see `careplan_parts`).
use serde_json::Value;

use super::booking::{is_citizen, not_found, parse_body};
use super::careplan_parts::{
    is_active, marked_plan, marker, marker_id, patient_may_change, provenance,
};
use super::prepare::{prepare_delete, prepare_write};
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{ItemColumns, PendingWrite, Precondition, ResourceKey, StoredResource};
use crate::service::{FhirStore, WriteOutcome};

fn second_plan() -> StoreError {
    StoreError::Conflict("the patient already has an active shared care plan".into())
}

fn no_patient() -> StoreError {
    StoreError::BadRequest("a shared care plan needs a subject Patient".into())
}

impl FhirStore {
    /// `POST CarePlan`: the plan, its Provenance and (when active) the patient's
    /// one-active-plan marker in one batch. Citizens do not create plans.
    pub(crate) async fn create_careplan(
        &self,
        ctx: &RequestContext,
        resource: Value,
    ) -> StoreResult<WriteOutcome> {
        let owner = ctx.principal.orgnr().map(str::to_string);
        let id = uuid::Uuid::new_v4().to_string();
        let active = is_active(&resource);
        let write = prepare_write(
            resource,
            "CarePlan",
            &id,
            owner.clone(),
            Precondition::MustNotExist,
        )?;
        let gate = self.gate(ctx, [&write.columns]).await?;
        if is_citizen(&gate) {
            return Err(StoreError::Forbidden(
                "a care plan is made by the unit; you may change your own parts of it".into(),
            ));
        }
        self.check_write(&gate, &write)?;
        let patient = write.columns.patient_id.clone().ok_or_else(no_patient)?;
        let mut writes = vec![];
        if active {
            writes.push(
                self.marker_write(ctx, &patient, &id, &write.columns)
                    .await?,
            );
        }
        writes.insert(0, write);
        writes.push(self.plan_provenance(ctx, &id, 1, &patient, owner, "CREATE")?);
        let created = vec![true; writes.len()];
        writes.extend(self.audits_for_writes(ctx, &writes, &created)?);
        self.commit_plan(ctx, writes)
            .await
            .map(WriteOutcome::Created)
    }

    /// `PUT CarePlan/{id}` with `If-Match`: a new version by the care team, or by the
    /// patient (their own parts only), with its Provenance in the same batch.
    pub(crate) async fn update_careplan(
        &self,
        ctx: &RequestContext,
        id: &str,
        resource: Value,
        if_match: Option<i64>,
    ) -> StoreResult<WriteOutcome> {
        let Some(version) = if_match else {
            return Err(StoreError::PreconditionRequired(
                "a care plan is changed only with If-Match (the version you read), so no \
                 one overwrites another's change"
                    .into(),
            ));
        };
        let current = self
            .backend
            .read_current(ctx, &ResourceKey::new("CarePlan", id))
            .await?
            .filter(|c| !c.deleted)
            .ok_or_else(|| not_found("CarePlan", id))?;
        let mut gate = self.gate(ctx, [&current.columns]).await?;
        if !gate.visible(&current.columns) {
            return Err(not_found("CarePlan", id));
        }
        let owner = current.columns.owner_org.clone();
        let patient = current.columns.patient_id.clone().ok_or_else(no_patient)?;
        let old = parse_body(&current)?;
        let active_before = is_active(&old);
        let active_after = is_active(&resource);
        let write = prepare_write(
            resource,
            "CarePlan",
            id,
            owner.clone(),
            Precondition::VersionIs(version),
        )?;
        if write.columns.patient_id.as_deref() != Some(patient.as_str()) {
            return Err(StoreError::BadRequest(
                "a care plan cannot move to another patient".into(),
            ));
        }
        self.extend_gate(ctx, &mut gate, [&write.columns]).await?;
        if is_citizen(&gate) {
            let decision = gate.decide(&current.columns);
            if nordlys_policy::may_act(gate.principal(), &decision).is_err()
                || nordlys_policy::may_act(gate.principal(), &gate.decide(&write.columns)).is_err()
            {
                return Err(StoreError::Forbidden(
                    "you may not change this care plan".into(),
                ));
            }
            let new = write.resource.as_ref().ok_or_else(no_patient)?;
            patient_may_change(&old, new, &format!("Patient/{patient}"))
                .map_err(StoreError::Forbidden)?;
        } else {
            if !gate.may_write("CarePlan", &current.columns) {
                return Err(StoreError::Forbidden(
                    "you may not change this care plan".into(),
                ));
            }
            self.check_write(&gate, &write)?;
        }
        let mut writes = vec![];
        if active_after && !active_before {
            writes.push(self.marker_write(ctx, &patient, id, &write.columns).await?);
        } else if active_before && !active_after {
            writes.extend(self.marker_removal(ctx, &patient, id).await?);
        }
        writes.insert(0, write);
        writes.push(self.plan_provenance(ctx, id, version + 1, &patient, owner, "UPDATE")?);
        let mut created = vec![false];
        created.extend(std::iter::repeat_n(true, writes.len() - 1));
        writes.extend(self.audits_for_writes(ctx, &writes, &created)?);
        self.commit_plan(ctx, writes)
            .await
            .map(WriteOutcome::Updated)
    }

    /// `DELETE CarePlan/{id}` (the caller checked the gate): the plan, its
    /// Provenance and, for an active plan, the removal of the patient's marker in ONE
    /// batch, so the patient can have a new active plan at once.
    pub(crate) async fn delete_careplan(
        &self,
        ctx: &RequestContext,
        current: StoredResource,
    ) -> StoreResult<()> {
        let owner = current.columns.owner_org.clone();
        let mut plan = prepare_delete("CarePlan", &current.id, current.columns.clone());
        plan.precondition = Precondition::VersionIs(current.version);
        let mut writes = vec![plan];
        if let Some(patient) = current.columns.patient_id.clone() {
            writes.extend(self.marker_removal(ctx, &patient, &current.id).await?);
            writes.push(self.plan_provenance(
                ctx,
                &current.id,
                current.version + 1,
                &patient,
                owner,
                "DELETE",
            )?);
        }
        let created: Vec<bool> = writes
            .iter()
            .map(|w| w.resource_type == "Provenance")
            .collect();
        writes.extend(self.audits_for_writes(ctx, &writes, &created)?);
        match self.commit_writes(ctx, writes).await {
            Err(StoreError::PreconditionFailed(_)) | Err(StoreError::Conflict(_)) => Err(
                StoreError::Conflict("the plan changed meanwhile; read it again".into()),
            ),
            other => other.map(|_| ()),
        }
    }

    /// The marker for `plan_id`, decided as the plan: its columns (patient, owner,
    /// facts) are the plan's, so it tells no one of a plan hidden from them. A marker
    /// still naming a plan that is gone or no longer active (left by a delete before
    /// deletes removed it) is replaced; anything else under the id — another active
    /// plan, or not a marker at all — makes the batch collide (409).
    async fn marker_write(
        &self,
        ctx: &RequestContext,
        patient: &str,
        plan_id: &str,
        plan_columns: &ItemColumns,
    ) -> StoreResult<PendingWrite> {
        let key = marker_id(patient);
        let current = self
            .backend
            .read_current(ctx, &ResourceKey::new("Basic", &key))
            .await?
            .filter(|m| !m.deleted);
        let mut precondition = Precondition::MustNotExist;
        if let Some(m) = current {
            match parse_body(&m).ok().as_ref().and_then(marked_plan) {
                Some(other) if other != plan_id && !self.plan_active(ctx, &other).await? => {
                    precondition = Precondition::VersionIs(m.version);
                }
                Some(_) => {}
                None => tracing::warn!(id = %key, request_id = %ctx.request_id,
                    "an item under the care-plan marker's id is not a marker; the plan is refused"),
            }
        }
        let mut w = prepare_write(
            marker(patient, plan_id),
            "Basic",
            &key,
            plan_columns.owner_org.clone(),
            precondition,
        )?;
        w.columns = plan_columns.clone();
        Ok(w)
    }

    /// The removal of the patient's marker if it names `plan_id` (else nothing).
    async fn marker_removal(
        &self,
        ctx: &RequestContext,
        patient: &str,
        plan_id: &str,
    ) -> StoreResult<Option<PendingWrite>> {
        let key = marker_id(patient);
        let Some(m) = self
            .backend
            .read_current(ctx, &ResourceKey::new("Basic", &key))
            .await?
            .filter(|m| !m.deleted)
        else {
            return Ok(None);
        };
        if parse_body(&m)
            .ok()
            .as_ref()
            .and_then(marked_plan)
            .as_deref()
            != Some(plan_id)
        {
            return Ok(None);
        }
        let mut d = prepare_delete("Basic", &key, m.columns.clone());
        d.precondition = Precondition::VersionIs(m.version);
        Ok(Some(d))
    }

    /// Is this plan stored, not deleted, and active?
    async fn plan_active(&self, ctx: &RequestContext, plan_id: &str) -> StoreResult<bool> {
        Ok(self
            .backend
            .read_current(ctx, &ResourceKey::new("CarePlan", plan_id))
            .await?
            .filter(|p| !p.deleted)
            .and_then(|p| parse_body(&p).ok())
            .is_some_and(|b| is_active(&b)))
    }

    fn plan_provenance(
        &self,
        ctx: &RequestContext,
        plan_id: &str,
        version: i64,
        patient: &str,
        owner: Option<String>,
        activity: &str,
    ) -> StoreResult<PendingWrite> {
        let id = uuid::Uuid::new_v4().to_string();
        let body = provenance(
            &id,
            plan_id,
            version,
            patient,
            &ctx.principal,
            ctx.now,
            activity,
        );
        prepare_write(body, "Provenance", &id, owner, Precondition::MustNotExist)
    }

    /// Commits a plan batch; the plan is its first write. A collision on the marker is a
    /// second active plan (409); a version mismatch stays 412.
    async fn commit_plan(
        &self,
        ctx: &RequestContext,
        writes: Vec<PendingWrite>,
    ) -> StoreResult<crate::model::StoredResource> {
        let committed = match self.commit_writes(ctx, writes).await {
            Err(StoreError::Conflict(_)) => return Err(second_plan()),
            other => other?,
        };
        committed
            .into_iter()
            .next()
            .map(|c| c.stored)
            .ok_or_else(|| StoreError::Internal("commit returned nothing".into()))
    }
}
