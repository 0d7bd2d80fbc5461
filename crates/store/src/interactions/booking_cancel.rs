//! Cancelling, and the cancelling half of a move: the checks (visible, may act,
//! still booked, before the unit's deadline for a citizen) and the writes (the
//! Appointment cancelled, its Slot free again), each with a version precondition so
//! a change made meanwhile fails the whole batch instead of being overwritten.
//!
//! Why apart from `booking.rs`: booking and cancelling share only the commit; the
//! deadline lookup lives here because only a cancellation (or a move) is bounded by it.
use chrono::Duration;
use serde_json::{json, Value};

use super::booking::{is_citizen, not_found, parse_body};
use super::booking_parts::{
    check_deadline, deadline_hours, id_of, rule, schedule_actors, slot_info, with_status,
    DEFAULT_DEADLINE_HOURS,
};
use super::prepare::prepare_write;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{PendingWrite, Precondition, ResourceKey, StoredResource};
use crate::service::FhirStore;

impl FhirStore {
    /// The writes that cancel an appointment (it cancelled, its slot freed) after the
    /// checks: visible, may act, still booked, and — for a citizen — before the
    /// deadline. Also answers the appointment's patient.
    pub(super) async fn cancellable(
        &self,
        ctx: &RequestContext,
        appointment_id: &str,
        reason: &str,
    ) -> StoreResult<(Vec<PendingWrite>, String)> {
        let stored = self
            .backend
            .read_current(ctx, &ResourceKey::new("Appointment", appointment_id))
            .await?
            .filter(|a| !a.deleted)
            .ok_or_else(|| not_found("Appointment", appointment_id))?;
        let gate = self.gate(ctx, [&stored.columns]).await?;
        if !gate.visible(&stored.columns) {
            return Err(not_found("Appointment", appointment_id));
        }
        let patient_id = stored.columns.patient_id.clone().ok_or_else(|| {
            rule(
                "Appointment.participant",
                "the appointment names no patient",
            )
        })?;
        if let Err(refusal) =
            nordlys_policy::may_act(gate.principal(), &gate.decide(&stored.columns))
        {
            return Err(match refusal {
                nordlys_policy::ActRefusal::Hidden => not_found("Appointment", appointment_id),
                nordlys_policy::ActRefusal::SeenOnly => {
                    StoreError::Forbidden("you may see this appointment but not change it".into())
                }
            });
        }
        if !is_citizen(&gate) && !gate.may_write("Appointment", &stored.columns) {
            return Err(StoreError::Forbidden(
                "only the unit that owns the appointment changes it".into(),
            ));
        }
        let mut resource = parse_body(&stored)?;
        let status = resource
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !matches!(status, "booked" | "pending" | "proposed") {
            return Err(rule(
                "Appointment.status",
                format!("the appointment is {status}, not booked: nothing to cancel or change"),
            ));
        }
        let slot = self.slot_of(ctx, &resource).await?;
        if is_citizen(&gate) {
            let start = resource
                .get("start")
                .and_then(Value::as_str)
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.with_timezone(&chrono::Utc))
                .ok_or_else(|| rule("Appointment.start", "the appointment has no start time"))?;
            let hours = match &slot {
                Some((_, body)) => match slot_info(body).ok().and_then(|i| i.schedule) {
                    Some(r) => self.schedule_deadline(ctx, &r).await?,
                    None => DEFAULT_DEADLINE_HOURS,
                },
                None => DEFAULT_DEADLINE_HOURS,
            };
            check_deadline(start, hours, ctx.now)?;
        }
        resource["status"] = json!("cancelled");
        resource["cancelationReason"] = json!({"text": reason});
        let mut writes = vec![prepare_write(
            resource,
            "Appointment",
            appointment_id,
            stored.columns.owner_org.clone(),
            Precondition::VersionIs(stored.version),
        )?];
        if let Some((slot, body)) = slot {
            // A slot still busy (and ahead) is offered again; a passed one stays as it is.
            // Only the appointment owner's own slot: an Appointment naming another
            // unit's slot must not free it (a write past that unit's owner check).
            let ahead = slot_info(&body).is_ok_and(|i| i.start > ctx.now + Duration::minutes(1));
            let same_owner = slot.columns.owner_org == stored.columns.owner_org;
            if ahead && same_owner && body.get("status").and_then(Value::as_str) == Some("busy") {
                writes.push(prepare_write(
                    with_status(&body, "free"),
                    "Slot",
                    &slot.id,
                    slot.columns.owner_org.clone(),
                    Precondition::VersionIs(slot.version),
                )?);
            }
        }
        Ok((writes, patient_id))
    }

    async fn schedule_deadline(&self, ctx: &RequestContext, reference: &str) -> StoreResult<i64> {
        let Some(id) = id_of(reference, "Schedule") else {
            return Ok(DEFAULT_DEADLINE_HOURS);
        };
        match self
            .backend
            .read_current(ctx, &ResourceKey::new("Schedule", id))
            .await?
        {
            Some(s) if !s.deleted => self.deadline_of(ctx, &parse_body(&s)?).await,
            _ => Ok(DEFAULT_DEADLINE_HOURS),
        }
    }

    /// The appointment's (first) Slot, if it names one that exists.
    async fn slot_of(
        &self,
        ctx: &RequestContext,
        appointment: &Value,
    ) -> StoreResult<Option<(StoredResource, Value)>> {
        let Some(id) = appointment
            .pointer("/slot/0/reference")
            .and_then(Value::as_str)
            .and_then(|r| id_of(r, "Slot"))
        else {
            return Ok(None);
        };
        let Some(slot) = self
            .backend
            .read_current(ctx, &ResourceKey::new("Slot", id))
            .await?
            .filter(|s| !s.deleted)
        else {
            return Ok(None);
        };
        let b = parse_body(&slot)?;
        Ok(Some((slot, b)))
    }

    /// The Schedule's deadline, else its HealthcareService's, else the default.
    async fn deadline_of(&self, ctx: &RequestContext, schedule: &Value) -> StoreResult<i64> {
        if let Some(h) = deadline_hours(schedule) {
            return Ok(h);
        }
        for actor in schedule_actors(schedule) {
            let Some(id) = id_of(&actor, "HealthcareService") else {
                continue;
            };
            let key = ResourceKey::new("HealthcareService", id);
            if let Some(s) = self.backend.read_current(ctx, &key).await? {
                if let Some(h) = parse_body(&s).ok().as_ref().and_then(deadline_hours) {
                    return Ok(h);
                }
            }
        }
        Ok(DEFAULT_DEADLINE_HOURS)
    }
}
