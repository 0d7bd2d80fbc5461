//! Digital dialog (issue 5 § 4): starting a thread, sending a message on one (either
//! side), and the read receipt. The model is in docs/dialog.md.
//!
//! Why dedicated operations (as booking): a citizen writes only through them. Each
//! builds the items itself — owned by the receiving unit, never by the citizen —,
//! decides them with the citizen's context and asks `nordlys_policy::may_act` (§ 10:
//! act only on what the same rules show in full; a youth is a participant of their own
//! thread, a parent of a youth acts only on a thread on an opened referral). A message
//! and the thread's new state (answered, first answer time) are ONE batch with a
//! version precondition on the thread, so two answers at once cannot lose a state.
use serde_json::{json, Value};

use super::booking::{is_citizen, not_found, parse_body};
use super::booking_parts::rule;
use super::dialog_attach::{binary_writes, check_uploads, Upload};
use super::dialog_parts::{
    call_instead, is_citizen_side, is_thread, message, outside_period, status_of, thread_task,
    unit_info, with_dialog_status, with_first_answer, DialogStatus, NewMessageBody, NewThreadTask,
};
use super::prepare::prepare_write;
use crate::access::AccessGate;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{PendingWrite, Precondition, ResourceKey, StoredResource};
use crate::service::FhirStore;

/// The longest message text taken.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// A thread a citizen starts.
#[derive(Debug, Clone)]
pub struct NewThread {
    pub patient_id: String,
    /// The receiving unit's Organization id.
    pub unit_id: String,
    pub topic: String,
    /// `standard` or `helsekontakt`.
    pub kind: String,
    /// The referral the thread is about (its § 6 link), if any.
    pub referral: Option<String>,
    pub text: String,
    pub attachments: Vec<Upload>,
}

/// A thread as read for acting on it.
pub(crate) struct Thread {
    pub(crate) stored: StoredResource,
    pub(crate) body: Value,
    pub(crate) gate: AccessGate,
}

fn check_text(text: &str, attachments: usize) -> StoreResult<()> {
    if text.trim().is_empty() && attachments == 0 {
        return Err(rule("Communication.payload", "the message is empty"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(rule(
            "Communication.payload",
            format!("a message is at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The policy's answer on a citizen's act on `item`; hidden → 404 as if unknown.
pub(crate) fn citizen_may_act(
    gate: &AccessGate,
    item: &crate::model::ItemColumns,
    what: (&str, &str),
) -> StoreResult<()> {
    match nordlys_policy::may_act(gate.principal(), &gate.decide(item)) {
        Ok(()) => Ok(()),
        Err(nordlys_policy::ActRefusal::Hidden) => Err(not_found(what.0, what.1)),
        Err(nordlys_policy::ActRefusal::SeenOnly) => Err(StoreError::Forbidden(
            "you may see this dialog but not write in it".into(),
        )),
    }
}

/// How the acting citizen is named in a thread about `patient_id`: the Patient when
/// it is themself, their RelatedPerson when there is one, else by national id.
fn citizen_reference(gate: &AccessGate, patient_id: &str) -> Value {
    let pid = match gate.principal() {
        nordlys_policy::Principal::Citizen { pid, .. } => pid.clone(),
        _ => String::new(),
    };
    let relations = gate
        .view(patient_id)
        .map(|v| v.relations.as_slice())
        .unwrap_or(&[]);
    let held = || relations.iter().filter(|r| r.holds());
    if held().any(|r| r.kind == nordlys_policy::RelationKind::Myself) {
        return json!({"reference": format!("Patient/{patient_id}")});
    }
    if let Some(rp) = held().find_map(|r| r.related_person.clone()) {
        return json!({"reference": rp});
    }
    json!({"type": "RelatedPerson", "identifier": {"system": nordlys_policy::FNR_SYSTEM, "value": pid}})
}

impl FhirStore {
    /// A citizen starts a thread with a unit that offers dialog: the Task (new) and the
    /// first message (and its attachments) in one batch. Answers (Task, Communication).
    pub async fn dialog_start(
        &self,
        ctx: &RequestContext,
        t: NewThread,
    ) -> StoreResult<(StoredResource, StoredResource)> {
        if !matches!(ctx.principal, nordlys_policy::Principal::Citizen { .. }) {
            return Err(StoreError::Forbidden(
                "a unit opens a dialog by creating its Task".into(),
            ));
        }
        check_text(&t.text, t.attachments.len())?;
        check_uploads(&t.attachments)?;
        let kind = match t.kind.as_str() {
            "helsekontakt" => "helsekontakt",
            _ => "standard",
        };
        let patient = self.dialog_current(ctx, "Patient", &t.patient_id).await?;
        let gate = self.gate(ctx, [&patient.columns]).await?;
        if !gate.visible(&patient.columns) {
            return Err(not_found("Patient", &t.patient_id));
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
        let units = self.dialog_units(ctx, &t.patient_id).await?;
        let Some(treating) = units.iter().find(|u| u.unit.id == t.unit_id) else {
            return Err(rule(
                "Task.owner",
                "you can write only to a unit that treats you (a referral or a course of care)",
            ));
        };
        // The thread's basedOn drives § 6 (a parent sees it only on an opened
        // referral): only a referral that links this patient to this unit is taken.
        if let Some(r) = t.referral.as_ref() {
            if !treating.referrals.contains(r) {
                return Err(rule(
                    "Task.basedOn",
                    "the referral is not one of yours to this unit",
                ));
            }
        }
        // A thread with no owner organisation would be nobody's (and § 9's "own"
        // row would not hold for the unit): refused rather than stored ownerless.
        let Some(owner) = unit.orgnr.clone().or(org.columns.owner_org.clone()) else {
            return Err(rule(
                "Task.owner",
                "the unit has no organisation number; it cannot take dialog",
            ));
        };
        let owner = Some(owner);
        let requester = citizen_reference(&gate, &t.patient_id);
        let topic: String = t.topic.trim().chars().take(200).collect();
        let task_body = thread_task(&NewThreadTask {
            patient_id: &t.patient_id,
            unit: &unit,
            requester: requester.clone(),
            topic: if topic.is_empty() { "Melding" } else { &topic },
            kind,
            referral: t.referral.as_deref(),
            now: ctx.now,
        });
        let task_id = uuid::Uuid::new_v4().to_string();
        let mut task_body = task_body;
        if let Some(name) = patient_name(&parse_body(&patient)?) {
            // Shown in the unit's inbox without reading the Patient.
            task_body["for"]["display"] = json!(name);
        }
        let task = prepare_write(
            task_body.clone(),
            "Task",
            &task_id,
            owner.clone(),
            Precondition::MustNotExist,
        )?;
        let mut with_id = task_body;
        with_id["id"] = json!(task_id);

        let (binaries, attachments) = binary_writes(&t.attachments, owner.clone())?;
        let msg = message(&NewMessageBody {
            task: &with_id,
            task_id: &task_id,
            sender: requester,
            recipient: with_id["owner"].clone(),
            text: &t.text,
            attachments,
            now: ctx.now,
        });
        let msg = prepare_write(
            msg,
            "Communication",
            &uuid::Uuid::new_v4().to_string(),
            owner,
            Precondition::MustNotExist,
        )?;
        let gate = self
            .gate(ctx, [&patient.columns, &task.columns, &msg.columns])
            .await?;
        citizen_may_act(&gate, &task.columns, ("Patient", &t.patient_id))?;
        citizen_may_act(&gate, &msg.columns, ("Patient", &t.patient_id))?;
        let mut writes = vec![task, msg];
        writes.extend(binaries);
        let created = vec![true; writes.len()];
        writes.extend(self.audits_for_writes(ctx, &writes, &created)?);
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

    /// A message on a thread, from either side. The citizen's reopens an answered
    /// thread; the unit's answers it (and records the first answer time). A closed
    /// thread, or a flexible one outside its period, takes no citizen message (422
    /// naming where to call). `sender` overrides the unit side's sender (a record
    /// system names its clinician). Answers the Communication.
    pub async fn dialog_send(
        &self,
        ctx: &RequestContext,
        task_id: &str,
        text: &str,
        uploads: Vec<Upload>,
        linked: Vec<Value>,
        sender: Option<Value>,
    ) -> StoreResult<StoredResource> {
        check_text(text, uploads.len() + linked.len())?;
        check_uploads(&uploads)?;
        let thread = self.thread(ctx, task_id).await?;
        let citizen = is_citizen(&thread.gate);
        let owner = thread.stored.columns.owner_org.clone();
        let status = status_of(&thread.body);
        let unit_name = thread
            .body
            .pointer("/owner/display")
            .and_then(Value::as_str)
            .unwrap_or("the unit");
        let (sender, recipient, next) = if citizen {
            citizen_may_act(&thread.gate, &thread.stored.columns, ("Task", task_id))?;
            if status == DialogStatus::Closed || outside_period(&thread.body, ctx.now) {
                let phone = self.unit_phone(ctx, &thread.body).await;
                return Err(call_instead(
                    unit_name,
                    phone.as_deref(),
                    "this dialog is closed",
                ));
            }
            let patient = thread.stored.columns.patient_id.clone().unwrap_or_default();
            let me = citizen_reference(&thread.gate, &patient);
            let assigned = super::dialog_parts::assignee(&thread.body).is_some();
            let next = with_dialog_status(
                &thread.body,
                status.after_citizen_message(assigned),
                ctx.now,
            );
            (me, thread.body["owner"].clone(), next)
        } else {
            self.unit_may_write(&thread)?;
            if status == DialogStatus::Closed {
                return Err(rule(
                    "Task.businessStatus",
                    "the dialog is closed: reopen it before answering",
                ));
            }
            // Only a record system names the clinician who wrote; a practitioner's
            // message is always from themself (no writing in a colleague's name).
            let system = matches!(ctx.principal, nordlys_policy::Principal::System { .. });
            let sender = sender
                .filter(|s| system && !is_citizen_side(s))
                .unwrap_or_else(|| unit_sender(ctx, &thread.body));
            let next = with_first_answer(
                &with_dialog_status(&thread.body, DialogStatus::Answered, ctx.now),
                ctx.now,
            );
            (sender, citizen_recipient(&thread.body), next)
        };
        if !uploads.is_empty() || !linked.is_empty() {
            // Attachments only where linked ones are the unit's own Binaries (checked by
            // the gate when read); citizens upload bytes only.
            if citizen && !linked.is_empty() {
                return Err(rule(
                    "Communication.payload",
                    "attach files by uploading them",
                ));
            }
        }
        self.check_linked(ctx, &linked, owner.as_deref()).await?;
        let (binaries, mut attachments) = binary_writes(&uploads, owner.clone())?;
        attachments.extend(linked);
        let msg = message(&NewMessageBody {
            task: &thread.body,
            task_id,
            sender,
            recipient,
            text,
            attachments,
            now: ctx.now,
        });
        let msg_id = uuid::Uuid::new_v4().to_string();
        let msg = prepare_write(
            msg,
            "Communication",
            &msg_id,
            owner.clone(),
            Precondition::MustNotExist,
        )?;
        let task = prepare_write(
            next,
            "Task",
            task_id,
            owner,
            Precondition::VersionIs(thread.stored.version),
        )?;
        let mut gate = thread.gate;
        self.extend_gate(ctx, &mut gate, [&msg.columns]).await?;
        if citizen {
            citizen_may_act(&gate, &msg.columns, ("Task", task_id))?;
        }
        let mut writes = vec![msg, task];
        writes.extend(binaries);
        let mut created = vec![true; writes.len()];
        created[1] = false;
        writes.extend(self.audits_for_writes(ctx, &writes, &created)?);
        let committed = self.commit_thread(ctx, writes).await?;
        committed
            .into_iter()
            .map(|c| c.stored)
            .find(|s| s.resource_type == "Communication" && s.id == msg_id)
            .ok_or_else(|| StoreError::Internal("commit returned no message".into()))
    }

    /// A unit's linked attachments (`url`) must be Binaries the thread's owner owns:
    /// a message must not carry (and so open) another organisation's content. 422,
    /// nothing written, otherwise.
    async fn check_linked(
        &self,
        ctx: &RequestContext,
        linked: &[Value],
        owner: Option<&str>,
    ) -> StoreResult<()> {
        for a in linked {
            let id = a
                .get("url")
                .and_then(Value::as_str)
                .and_then(|u| u.strip_prefix("Binary/"))
                .filter(|id| super::prepare::is_valid_id(id));
            let own = match id {
                Some(id) => self
                    .backend
                    .read_current(ctx, &ResourceKey::new("Binary", id))
                    .await?
                    .is_some_and(|b| {
                        !b.deleted && owner.is_some() && b.columns.owner_org.as_deref() == owner
                    }),
                None => false,
            };
            if !own {
                return Err(rule(
                    "Communication.payload.contentAttachment.url",
                    "a linked attachment must be a Binary of the unit that owns the dialog",
                ));
            }
        }
        Ok(())
    }

    /// A stored item that must exist and not be deleted (404 otherwise).
    pub(crate) async fn dialog_current(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> StoreResult<StoredResource> {
        self.backend
            .read_current(ctx, &ResourceKey::new(resource_type, id))
            .await?
            .filter(|s| !s.deleted)
            .ok_or_else(|| not_found(resource_type, id))
    }

    /// A dialog thread the principal sees (404 when unknown, hidden or not a thread).
    pub(crate) async fn thread(&self, ctx: &RequestContext, task_id: &str) -> StoreResult<Thread> {
        let stored = self.dialog_current(ctx, "Task", task_id).await?;
        let gate = self.gate(ctx, [&stored.columns]).await?;
        let body = parse_body(&stored)?;
        if !gate.visible(&stored.columns) || !is_thread(&body) {
            return Err(not_found("Task", task_id));
        }
        Ok(Thread { stored, body, gate })
    }

    /// Health personnel and systems act only on their own organisation's threads.
    pub(crate) fn unit_may_write(&self, thread: &Thread) -> StoreResult<()> {
        if !thread.gate.may_write("Task", &thread.stored.columns) {
            return Err(StoreError::Forbidden(
                "only the unit that owns the dialog answers or changes it".into(),
            ));
        }
        Ok(())
    }

    /// The unit's phone number (for the "call instead" message), if it is known.
    pub(crate) async fn unit_phone(&self, ctx: &RequestContext, task: &Value) -> Option<String> {
        let id = task
            .pointer("/owner/reference")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("Organization/"))?;
        let org = self.dialog_current(ctx, "Organization", id).await.ok()?;
        unit_info(id, &parse_body(&org).ok()?).phone
    }

    /// Commits a thread's batch; a version precondition failing means the thread
    /// changed meanwhile: 409, nothing written.
    pub(crate) async fn commit_thread(
        &self,
        ctx: &RequestContext,
        writes: Vec<PendingWrite>,
    ) -> StoreResult<Vec<crate::backend::Committed>> {
        match self.commit_writes(ctx, writes).await {
            Err(StoreError::PreconditionFailed(_)) => Err(StoreError::Conflict(
                "the dialog changed meanwhile; open it again and retry".into(),
            )),
            other => other,
        }
    }
}

/// The unit side's sender: the practitioner by HPR number, else the owning unit.
fn unit_sender(ctx: &RequestContext, task: &Value) -> Value {
    match &ctx.principal {
        nordlys_policy::Principal::Practitioner { hpr, .. } => json!({"type": "Practitioner",
            "identifier": {"system": nordlys_policy::HPR_SYSTEM, "value": hpr}}),
        _ => task["owner"].clone(),
    }
}

/// Whom the unit's message is for: who started the thread when that is the citizen's
/// side, else the first person a flexible dialog was opened to, else the patient.
fn citizen_recipient(task: &Value) -> Value {
    if let Some(r) = task.get("requester").filter(|r| is_citizen_side(r)) {
        return r.clone();
    }
    if let Some(r) = task.pointer("/restriction/recipient/0") {
        return r.clone();
    }
    task.get("for").cloned().unwrap_or(Value::Null)
}

/// "Given Family" of a Patient's first name.
fn patient_name(patient: &Value) -> Option<String> {
    let n = patient.get("name")?.as_array()?.first()?;
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
