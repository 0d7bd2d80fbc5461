//! Digital dialog, the unit's half and the shared lookups: the units a patient may
//! write to (with their Helsekontakt), the read receipt, the inbox actions (assign,
//! change state, close, reopen) and a record system's answer posted as a FHIR
//! Communication `partOf` the thread.
//!
//! Why the lookups read with the caller's context: the units offered to a citizen are
//! those of referrals and courses of care the citizen sees, so a parent of a youth is
//! offered the child psychiatry unit only where the referral is opened to them — the
//! same § 6 answer the thread itself will get.
use serde_json::Value;

use super::booking::{is_citizen, parse_body};
use super::booking_parts::rule;
use super::dialog::{citizen_may_act, Thread};
use super::dialog_attach::inline_uploads;
use super::dialog_parts::{
    is_citizen_side, thread_of, unit_info, with_assignee, with_dialog_status, with_received,
    DialogStatus, UnitInfo,
};
use super::prepare::prepare_write;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{Precondition, StoredResource};
use crate::service::FhirStore;

/// A unit a patient may write to.
#[derive(Debug, Clone, PartialEq)]
pub struct DialogUnit {
    pub unit: UnitInfo,
    /// The named contact (Helsekontakt) from the course of care, if one is assigned.
    pub helsekontakt: Option<String>,
    /// The referral the relation rests on (linked to the thread for § 6).
    pub referral: Option<String>,
    /// Every referral (as the caller sees them) linking the patient to this unit: the
    /// only ones a thread with it may be based on (a thread's `basedOn` drives § 6).
    pub referrals: Vec<String>,
}

/// An inbox action on a thread.
#[derive(Debug, Clone, PartialEq)]
pub enum DialogChange {
    /// Assign to the practitioner (HPR number, name); a new thread goes in progress.
    Assign { hpr: String, display: String },
    /// Set the state (closing, reopening, or marking answered by phone).
    Status(DialogStatus),
}

fn refs(v: Option<&Value>) -> Vec<String> {
    let list = match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(one) => vec![one],
        None => vec![],
    };
    list.into_iter()
        .filter_map(|r| r.get("reference").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

impl FhirStore {
    async fn patient_items(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        patient_id: &str,
    ) -> StoreResult<Vec<StoredResource>> {
        let mut request = self.parse_search(
            resource_type,
            &[("patient".into(), format!("Patient/{patient_id}"))],
            false,
        )?;
        request.count = 200;
        Ok(self.search(ctx, &request).await?.matches)
    }

    /// The units the patient has a relation with (a course of care's managing unit, a
    /// referral's receiving unit), as the caller sees them, with their dialog settings.
    pub async fn dialog_units(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
    ) -> StoreResult<Vec<DialogUnit>> {
        // (organization id, helsekontakt, referral)
        let mut found: Vec<(String, Option<String>, Option<String>)> = Vec::new();
        for e in self.patient_items(ctx, "EpisodeOfCare", patient_id).await? {
            let Ok(body) = parse_body(&e) else { continue };
            if body.get("status").and_then(Value::as_str) == Some("finished") {
                continue;
            }
            let contact = body
                .pointer("/careManager/display")
                .and_then(Value::as_str)
                .map(str::to_string);
            let referral = refs(body.get("referralRequest"))
                .into_iter()
                .find_map(|r| r.strip_prefix("ServiceRequest/").map(str::to_string));
            for org in refs(body.get("managingOrganization")) {
                if let Some(id) = org.strip_prefix("Organization/") {
                    found.push((id.to_string(), contact.clone(), referral.clone()));
                }
            }
        }
        for s in self
            .patient_items(ctx, "ServiceRequest", patient_id)
            .await?
        {
            let Ok(body) = parse_body(&s) else { continue };
            for org in refs(body.get("performer")) {
                if let Some(id) = org.strip_prefix("Organization/") {
                    found.push((id.to_string(), None, Some(s.id.clone())));
                }
            }
        }
        let mut out: Vec<DialogUnit> = Vec::new();
        for (id, contact, referral) in found {
            if let Some(u) = out.iter_mut().find(|u| u.unit.id == id) {
                if u.helsekontakt.is_none() {
                    u.helsekontakt = contact;
                }
                if let Some(r) = referral.filter(|r| !u.referrals.contains(r)) {
                    u.referrals.push(r);
                }
                continue;
            }
            let Ok(org) = self.dialog_current(ctx, "Organization", &id).await else {
                continue;
            };
            out.push(DialogUnit {
                unit: unit_info(&id, &parse_body(&org)?),
                helsekontakt: contact,
                referrals: referral.iter().cloned().collect(),
                referral,
            });
        }
        Ok(out)
    }

    /// The read receipt: every message of the thread from the other side not yet read
    /// gets `received` now, in one batch. Answers how many were marked.
    pub async fn dialog_mark_read(
        &self,
        ctx: &RequestContext,
        task_id: &str,
    ) -> StoreResult<usize> {
        let thread = self.thread(ctx, task_id).await?;
        let citizen = is_citizen(&thread.gate);
        if citizen {
            citizen_may_act(&thread.gate, &thread.stored.columns, ("Task", task_id))?;
        } else {
            self.unit_may_write(&thread)?;
        }
        let pairs = [("part-of".to_string(), format!("Task/{task_id}"))];
        let messages = if citizen {
            let mut request = self.parse_search("Communication", &pairs, false)?;
            request.count = 1000;
            self.search(ctx, &request).await?.matches
        } else {
            // The unit's own messages: no purpose of use needed (dialog_inbox.rs).
            self.own_items(ctx, "Communication", &pairs).await?
        };
        let mut writes = Vec::new();
        for m in messages {
            let Ok(body) = parse_body(&m) else { continue };
            let from_citizen = body.get("sender").is_some_and(is_citizen_side);
            if body.get("received").is_some() || from_citizen == citizen {
                continue;
            }
            if citizen
                && nordlys_policy::may_act(thread.gate.principal(), &thread.gate.decide(&m.columns))
                    .is_err()
            {
                continue;
            }
            writes.push(prepare_write(
                with_received(&body, ctx.now),
                "Communication",
                &m.id,
                m.columns.owner_org.clone(),
                Precondition::VersionIs(m.version),
            )?);
        }
        let n = writes.len();
        if n == 0 {
            return Ok(0);
        }
        let created = vec![false; n];
        writes.extend(self.audits_for_writes(ctx, &writes, &created)?);
        self.commit_thread(ctx, writes).await?;
        Ok(n)
    }

    /// An inbox action by the unit (its practitioners and systems only), with an
    /// optional version the thread must still have (`If-Match`). Answers the Task.
    pub async fn dialog_change(
        &self,
        ctx: &RequestContext,
        task_id: &str,
        change: DialogChange,
        if_match: Option<i64>,
    ) -> StoreResult<StoredResource> {
        let thread: Thread = self.thread(ctx, task_id).await?;
        if is_citizen(&thread.gate) {
            return Err(StoreError::Forbidden(
                "only the unit changes a dialog's state".into(),
            ));
        }
        self.unit_may_write(&thread)?;
        if if_match.is_some_and(|v| v != thread.stored.version) {
            return Err(StoreError::PreconditionFailed(
                "the version does not match".into(),
            ));
        }
        let status = super::dialog_parts::status_of(&thread.body);
        let next = match change {
            DialogChange::Assign { hpr, display } => {
                let assigned = with_assignee(&thread.body, &hpr, &display);
                let s = if status == DialogStatus::New {
                    DialogStatus::InProgress
                } else {
                    status
                };
                with_dialog_status(&assigned, s, ctx.now)
            }
            DialogChange::Status(s) => with_dialog_status(&thread.body, s, ctx.now),
        };
        let write = prepare_write(
            next,
            "Task",
            task_id,
            thread.stored.columns.owner_org.clone(),
            Precondition::VersionIs(thread.stored.version),
        )?;
        let mut writes = vec![write];
        writes.extend(self.audits_for_writes(ctx, &writes, &[false])?);
        let committed = self.commit_thread(ctx, writes).await?;
        committed
            .into_iter()
            .map(|c| c.stored)
            .find(|s| s.resource_type == "Task")
            .ok_or_else(|| StoreError::Internal("commit returned no task".into()))
    }

    /// `POST Communication` `partOf` a dialog thread: a message on the thread through
    /// [`FhirStore::dialog_send`] (texts from `contentString`, inline attachments
    /// checked and stored as Binaries), so the thread's state and answer time change in
    /// the same batch. `None` when the Communication is not part of a dialog thread.
    pub(crate) async fn dialog_post(
        &self,
        ctx: &RequestContext,
        resource: &Value,
    ) -> StoreResult<Option<StoredResource>> {
        let Some(task_id) = thread_of(resource) else {
            return Ok(None);
        };
        if !self.is_thread_task(ctx, &task_id).await {
            // Not a dialog thread (another kind of Task, or none): an ordinary write.
            return Ok(None);
        }
        let mut body = resource.clone();
        let uploads = inline_uploads(&mut body)?;
        let payload = body
            .get("payload")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let text: Vec<&str> = payload
            .iter()
            .filter_map(|p| p.get("contentString").and_then(Value::as_str))
            .collect();
        let linked: Vec<Value> = payload
            .iter()
            .filter_map(|p| p.get("contentAttachment").cloned())
            .collect();
        if linked.iter().any(|a| a.get("url").is_none()) {
            return Err(rule(
                "Communication.payload",
                "an attachment needs data or a url",
            ));
        }
        let sent = self
            .dialog_send(
                ctx,
                &task_id,
                &text.join("\n\n"),
                uploads,
                linked,
                body.get("sender").cloned(),
            )
            .await?;
        Ok(Some(sent))
    }

    /// Is there a dialog thread with this id (whoever may see it; the send decides)?
    async fn is_thread_task(&self, ctx: &RequestContext, task_id: &str) -> bool {
        match self.dialog_current(ctx, "Task", task_id).await {
            Ok(t) => parse_body(&t).is_ok_and(|b| super::dialog_parts::is_thread(&b)),
            Err(_) => false,
        }
    }
}
