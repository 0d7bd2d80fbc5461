//! Flexible dialog opened by the unit (issue 5 § 4: "flexible dialog with chosen
//! roles or persons for a period"): the unit's practitioner opens a thread to chosen
//! persons on the citizen's side, for a period, with a first message.
//!
//! Why a dedicated operation (and not a bare `POST Task`): the thread and its first
//! message are ONE batch, built here in the thread model's shape (docs/dialog.md) —
//! `restriction.recipient` the chosen persons, `restriction.period` when they may
//! write — so a clinician's screen cannot write a half-made thread. Who of the chosen
//! persons then sees the thread is not decided here: the gate decides every read with
//! the § 6 rules, and `dialog_send` refuses citizens outside the period.
use chrono::NaiveDate;
use serde_json::{json, Value};

use super::booking::{not_found, parse_body};
use super::booking_parts::rule;
use super::dialog::MAX_TEXT_CHARS;
use super::dialog_parts::{
    call_instead, is_citizen_side, message, thread_task, unit_info, with_dialog_status,
    DialogStatus, NewMessageBody, NewThreadTask,
};
use super::prepare::prepare_write;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{Precondition, StoredResource};
use crate::service::FhirStore;

/// The most persons one flexible dialog is opened to.
pub const MAX_RECIPIENTS: usize = 10;

/// A flexible dialog the unit opens.
#[derive(Debug, Clone)]
pub struct OpenThread {
    pub patient_id: String,
    /// The unit's Organization id (must offer dialog and be the writer's own).
    pub unit_id: String,
    /// The chosen persons: `Patient/{patient_id}` or `RelatedPerson/{id}` of the patient.
    pub recipients: Vec<String>,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub topic: String,
    pub text: String,
    /// The referral the thread is about (its § 6 link), if any.
    pub referral: Option<String>,
}

fn check(t: &OpenThread, today: NaiveDate) -> StoreResult<()> {
    if t.text.trim().is_empty() {
        return Err(rule("Communication.payload", "the message is empty"));
    }
    if t.text.chars().count() > MAX_TEXT_CHARS {
        return Err(rule(
            "Communication.payload",
            format!("a message is at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    if t.recipients.is_empty() || t.recipients.len() > MAX_RECIPIENTS {
        return Err(rule(
            "Task.restriction.recipient",
            format!("choose between 1 and {MAX_RECIPIENTS} persons"),
        ));
    }
    if t.end < t.start || t.end < today {
        return Err(rule(
            "Task.restriction.period",
            "the period must end on or after its start, and not in the past",
        ));
    }
    Ok(())
}

impl FhirStore {
    /// The unit opens a flexible dialog: the Task (answered: the citizen's side is to
    /// write) and the unit's first message in one batch. Practitioners and systems
    /// only, on their own organisation's unit (the gate's write check). Answers
    /// (Task, Communication).
    pub async fn dialog_open(
        &self,
        ctx: &RequestContext,
        t: OpenThread,
    ) -> StoreResult<(StoredResource, StoredResource)> {
        if matches!(ctx.principal, nordlys_policy::Principal::Citizen { .. }) {
            return Err(StoreError::Forbidden(
                "only a unit opens a flexible dialog".into(),
            ));
        }
        check(&t, ctx.now.date_naive())?;
        let patient = self.dialog_current(ctx, "Patient", &t.patient_id).await?;
        let gate = self.gate(ctx, [&patient.columns]).await?;
        if !gate.visible(&patient.columns) {
            return Err(not_found("Patient", &t.patient_id));
        }
        let mut recipients = Vec::new();
        for r in &t.recipients {
            recipients.push(self.recipient(ctx, &t.patient_id, r).await?);
        }
        let org = self.dialog_current(ctx, "Organization", &t.unit_id).await?;
        let unit = unit_info(&t.unit_id, &parse_body(&org)?);
        if !unit.offers_dialog {
            return Err(call_instead(
                &unit.name,
                unit.phone.as_deref(),
                "this unit does not offer digital dialog",
            ));
        }
        let owner = unit.orgnr.clone().or(org.columns.owner_org.clone());
        let sender = match &ctx.principal {
            nordlys_policy::Principal::Practitioner { hpr, .. } => json!({"type": "Practitioner",
                "identifier": {"system": nordlys_policy::HPR_SYSTEM, "value": hpr}}),
            _ => json!({"reference": format!("Organization/{}", t.unit_id)}),
        };
        let topic: String = t.topic.trim().chars().take(200).collect();
        let mut task_body = thread_task(&NewThreadTask {
            patient_id: &t.patient_id,
            unit: &unit,
            requester: sender.clone(),
            topic: if topic.is_empty() { "Melding" } else { &topic },
            kind: "flexible",
            referral: t.referral.as_deref(),
            now: ctx.now,
        });
        task_body["restriction"] = json!({
            "recipient": recipients,
            "period": {"start": t.start.to_string(), "end": t.end.to_string()},
        });
        if let Some(name) = patient_name(&parse_body(&patient)?) {
            task_body["for"]["display"] = json!(name);
        }
        // The unit has spoken first: the thread waits for the citizen's side.
        let task_body = with_dialog_status(&task_body, DialogStatus::Answered, ctx.now);
        let task_id = uuid::Uuid::new_v4().to_string();
        let task = prepare_write(
            task_body.clone(),
            "Task",
            &task_id,
            owner.clone(),
            Precondition::MustNotExist,
        )?;
        let mut with_id = task_body;
        with_id["id"] = json!(task_id);
        let msg = message(&NewMessageBody {
            task: &with_id,
            task_id: &task_id,
            sender,
            recipient: recipients[0].clone(),
            text: &t.text,
            attachments: Vec::new(),
            now: ctx.now,
        });
        let msg = prepare_write(
            msg,
            "Communication",
            &uuid::Uuid::new_v4().to_string(),
            owner,
            Precondition::MustNotExist,
        )?;
        if !gate.may_write("Task", &task.columns) || !gate.may_write("Communication", &msg.columns)
        {
            return Err(StoreError::Forbidden(
                "a unit opens a dialog only for its own organisation".into(),
            ));
        }
        let mut writes = vec![task, msg];
        writes.extend(self.audits_for_writes(ctx, &writes, &[true, true])?);
        let committed = self.commit_writes(ctx, writes).await?;
        let find = |rt: &str| {
            committed
                .iter()
                .map(|c| c.stored.clone())
                .find(|s| s.resource_type == rt)
                .ok_or_else(|| StoreError::Internal(format!("commit returned no {rt}")))
        };
        Ok((find("Task")?, find("Communication")?))
    }

    /// A chosen person as a reference: the patient, or a RelatedPerson OF the patient
    /// (a RelatedPerson of someone else is refused as unknown).
    async fn recipient(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
        reference: &str,
    ) -> StoreResult<Value> {
        let r = json!({"reference": reference});
        if reference == format!("Patient/{patient_id}") {
            return Ok(r);
        }
        let unknown = || not_found("RelatedPerson", reference);
        let id = reference
            .strip_prefix("RelatedPerson/")
            .filter(|_| is_citizen_side(&r))
            .ok_or_else(unknown)?;
        let rp = parse_body(&self.dialog_current(ctx, "RelatedPerson", id).await?)?;
        if rp.pointer("/patient/reference").and_then(Value::as_str)
            != Some(&format!("Patient/{patient_id}"))
        {
            return Err(unknown());
        }
        let mut out = r;
        if let Some(name) = patient_name(&rp) {
            out["display"] = json!(name);
        }
        Ok(out)
    }
}

/// "Given Family" of a Patient's or RelatedPerson's first name.
fn patient_name(person: &Value) -> Option<String> {
    let n = person.get("name")?.as_array()?.first()?;
    let given: Vec<&str> = n
        .get("given")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let family = n.get("family").and_then(Value::as_str).unwrap_or_default();
    let full = format!("{} {family}", given.join(" ")).trim().to_string();
    (!full.is_empty()).then_some(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(start: &str, end: &str, recipients: usize, text: &str) -> OpenThread {
        OpenThread {
            patient_id: "p".into(),
            unit_id: "u".into(),
            recipients: vec!["Patient/p".into(); recipients],
            start: start.parse().unwrap(),
            end: end.parse().unwrap(),
            topic: "t".into(),
            text: text.into(),
            referral: None,
        }
    }

    #[test]
    fn period_recipients_and_text_are_checked() {
        let today: NaiveDate = "2026-12-07".parse().unwrap();
        assert!(check(&open("2026-12-07", "2026-12-07", 1, "hei"), today).is_ok());
        assert!(check(&open("2026-12-08", "2026-12-07", 1, "hei"), today).is_err());
        assert!(check(&open("2026-12-01", "2026-12-06", 1, "hei"), today).is_err());
        assert!(check(&open("2026-12-07", "2026-12-14", 0, "hei"), today).is_err());
        assert!(check(&open("2026-12-07", "2026-12-14", 11, "hei"), today).is_err());
        assert!(check(&open("2026-12-07", "2026-12-14", 1, "  "), today).is_err());
    }
}
