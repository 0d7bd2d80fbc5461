//! Booking, changing and cancelling an appointment on a published Slot (issue 6 § 1).
//!
//! Why race-safe without locks of our own: a booking is ONE batch — the Slot set to
//! `busy` with `Precondition::VersionIs(the version we read as free)`, the new
//! Appointment, and the access-log event — committed by the backend in one transaction
//! that checks the precondition against the newest committed version (SQLite: the one
//! writer; PostgreSQL: the row locked `FOR UPDATE`). Of any number of concurrent
//! bookings of one free slot exactly one commits; the others fail the precondition and
//! are told "the time was just taken" (409), with nothing written. No retry is needed.
//!
//! Who may act is the policy's answer, not ours: a citizen acts only on what the same
//! rules let them see in full (access-policy.md § 10, `nordlys_policy::may_act`),
//! decided on the Appointment the action writes; health personnel and systems book on
//! their own organisation's slots. Citizens still cannot PUT an Appointment
//! (`AccessGate::may_write`): these operations are their only way to write one. The
//! Appointment is owned by the Slot's owner (the unit), never by the citizen.
use serde_json::Value;

use super::booking_parts::{appointment, id_of, rule, slot_info, taken, with_status, SlotInfo};
use super::prepare::prepare_write;
use crate::access::AccessGate;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{PendingWrite, Precondition, ResourceKey, StoredResource};
use crate::service::FhirStore;

pub(super) fn not_found(resource_type: &str, id: &str) -> StoreError {
    StoreError::NotFound {
        resource_type: resource_type.into(),
        id: id.into(),
    }
}

pub(super) fn parse_body(stored: &StoredResource) -> StoreResult<Value> {
    serde_json::from_str(&stored.body)
        .map_err(|e| StoreError::Internal(format!("stored {} unreadable: {e}", stored.key().id)))
}

/// A free slot read for booking, with what the new Appointment needs.
struct FreeSlot {
    stored: StoredResource,
    body: Value,
    info: SlotInfo,
    schedule: Value,
}

impl FhirStore {
    /// Books `slot_id` for `patient_id`: the Appointment (status booked) and the Slot
    /// set busy, atomically, only if the slot is still free (else 409).
    pub async fn book(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
        slot_id: &str,
    ) -> StoreResult<StoredResource> {
        let slot = self.free_slot(ctx, slot_id).await?;
        let (busy, appt) = self.booking_writes(ctx, patient_id, slot_id, &slot).await?;
        let mut writes = vec![busy, appt];
        writes.extend(self.audits_for_writes(ctx, &writes, &[false, true])?);
        let committed = self.commit_booking(ctx, writes).await?;
        find(committed, "Appointment")
    }

    /// Moves an appointment to `new_slot_id`: the old one cancelled and its slot freed,
    /// the new one booked — all in one transaction, or nothing. Answers the new
    /// Appointment.
    pub async fn rebook(
        &self,
        ctx: &RequestContext,
        appointment_id: &str,
        new_slot_id: &str,
    ) -> StoreResult<StoredResource> {
        let (old, patient_id) = self
            .cancellable(ctx, appointment_id, "Flyttet til ny time")
            .await?;
        let slot = self.free_slot(ctx, new_slot_id).await?;
        let (busy, appt) = self
            .booking_writes(ctx, &patient_id, new_slot_id, &slot)
            .await?;
        if old
            .iter()
            .any(|w| w.resource_type == "Slot" && w.id == new_slot_id)
        {
            return Err(rule("Slot", "the new time is the one already booked"));
        }
        let new_id = appt.id.clone();
        let mut writes = old;
        let mut created: Vec<bool> = writes.iter().map(|_| false).collect();
        created.extend([false, true]);
        writes.extend([busy, appt]);
        writes.extend(self.audits_for_writes(ctx, &writes, &created)?);
        let committed = self.commit_booking(ctx, writes).await?;
        committed
            .into_iter()
            .map(|c| c.stored)
            .find(|s| s.resource_type == "Appointment" && s.id == new_id)
            .ok_or_else(|| StoreError::Internal("commit returned no appointment".into()))
    }

    /// Cancels an appointment (a citizen only before the unit's deadline) and frees
    /// its slot, in one transaction. Answers the cancelled Appointment.
    pub async fn cancel(
        &self,
        ctx: &RequestContext,
        appointment_id: &str,
        reason: &str,
    ) -> StoreResult<StoredResource> {
        let (mut writes, _) = self.cancellable(ctx, appointment_id, reason).await?;
        let created = vec![false; writes.len()];
        writes.extend(self.audits_for_writes(ctx, &writes, &created)?);
        let committed = self.commit_booking(ctx, writes).await?;
        find(committed, "Appointment")
    }
}

impl FhirStore {
    /// The slot, if it exists, may be seen, is free and lies ahead.
    async fn free_slot(&self, ctx: &RequestContext, slot_id: &str) -> StoreResult<FreeSlot> {
        let stored = self
            .backend
            .read_current(ctx, &ResourceKey::new("Slot", slot_id))
            .await?
            .filter(|s| !s.deleted)
            .ok_or_else(|| not_found("Slot", slot_id))?;
        let gate = self.gate(ctx, [&stored.columns]).await?;
        if !gate.visible(&stored.columns) {
            return Err(not_found("Slot", slot_id));
        }
        let body = parse_body(&stored)?;
        let info = slot_info(&body)?;
        if info.status != "free" {
            return Err(taken());
        }
        if info.start <= ctx.now {
            return Err(rule("Slot.start", "this time has already begun"));
        }
        let schedule_id = info
            .schedule
            .as_deref()
            .and_then(|r| id_of(r, "Schedule"))
            .ok_or_else(|| rule("Slot.schedule", "the slot names no schedule"))?;
        let schedule = self
            .backend
            .read_current(ctx, &ResourceKey::new("Schedule", schedule_id))
            .await?
            .filter(|s| !s.deleted)
            .ok_or_else(|| rule("Slot.schedule", "the slot's schedule is missing"))?;
        let schedule = parse_body(&schedule)?;
        if schedule.get("active").and_then(Value::as_bool) == Some(false) {
            return Err(rule(
                "Schedule.active",
                "the unit no longer books on this schedule",
            ));
        }
        Ok(FreeSlot {
            stored,
            body,
            info,
            schedule,
        })
    }

    /// The Slot set busy (only if still the version read) and the new Appointment,
    /// after the policy's answer on who may book it.
    async fn booking_writes(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
        slot_id: &str,
        slot: &FreeSlot,
    ) -> StoreResult<(PendingWrite, PendingWrite)> {
        let patient = self
            .backend
            .read_current(ctx, &ResourceKey::new("Patient", patient_id))
            .await?
            .filter(|p| !p.deleted)
            .ok_or_else(|| not_found("Patient", patient_id))?;
        let owner = slot.stored.columns.owner_org.clone();
        let resource = appointment(patient_id, slot_id, &slot.info, &slot.schedule, ctx.now);
        let id = uuid::Uuid::new_v4().to_string();
        let appt = prepare_write(
            resource,
            "Appointment",
            &id,
            owner,
            Precondition::MustNotExist,
        )?;
        let gate = self.gate(ctx, [&patient.columns, &appt.columns]).await?;
        may_act(&gate, &appt, &patient)?;
        let busy = prepare_write(
            with_status(&slot.body, "busy"),
            "Slot",
            slot_id,
            slot.stored.columns.owner_org.clone(),
            Precondition::VersionIs(slot.stored.version),
        )?;
        Ok((busy, appt))
    }

    /// Commits a booking batch; a failed version precondition means someone else got
    /// there first (the slot, or the appointment changed meanwhile): 409, nothing written.
    async fn commit_booking(
        &self,
        ctx: &RequestContext,
        writes: Vec<PendingWrite>,
    ) -> StoreResult<Vec<crate::backend::Committed>> {
        match self.commit_writes(ctx, writes).await {
            Err(StoreError::PreconditionFailed(_)) | Err(StoreError::Conflict(_)) => Err(taken()),
            other => other,
        }
    }
}

pub(super) fn is_citizen(gate: &AccessGate) -> bool {
    matches!(gate.principal(), nordlys_policy::Principal::Citizen { .. })
}

/// The policy's answer on booking: a citizen at `full` on the new Appointment (§ 10);
/// hidden → as if the patient were unknown, unless the patient is seen (then 403).
/// Health personnel and systems: only on their own organisation's slots.
fn may_act(gate: &AccessGate, appt: &PendingWrite, patient: &StoredResource) -> StoreResult<()> {
    let decision = gate.decide(&appt.columns);
    match nordlys_policy::may_act(gate.principal(), &decision) {
        Ok(()) => {}
        Err(nordlys_policy::ActRefusal::Hidden) if !gate.visible(&patient.columns) => {
            return Err(not_found("Patient", &patient.id));
        }
        Err(_) => {
            return Err(StoreError::Forbidden(
                "you may not book appointments for this patient".into(),
            ))
        }
    }
    if !is_citizen(gate) && !gate.may_write("Appointment", &appt.columns) {
        return Err(StoreError::Forbidden(
            "you may book only on your own organisation's schedules".into(),
        ));
    }
    Ok(())
}

fn find(
    committed: Vec<crate::backend::Committed>,
    resource_type: &str,
) -> StoreResult<StoredResource> {
    committed
        .into_iter()
        .map(|c| c.stored)
        .find(|s| s.resource_type == resource_type)
        .ok_or_else(|| StoreError::Internal(format!("commit returned no {resource_type}")))
}
