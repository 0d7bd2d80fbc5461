//! Digital forms (issue 6 § 2): a citizen saves a draft of a form and sends it.
//!
//! Why dedicated operations (as booking): citizens never create or update resources
//! through the generic write path (`AccessGate::may_write`); these operations build the
//! QuestionnaireResponse themselves, validate it against its Questionnaire
//! (`nordlys_forms`, 422 naming each linkId), decide it with the citizen's context and
//! ask `nordlys_policy::may_act` (§ 10), so a parent may send for a child under 12 but
//! not for a 16-year-old, with no rule of our own.
//!
//! Sending is ONE batch: the completed response (owned by the receiving unit, never
//! the citizen), a `form-answer` Task in that unit's inbox (focus the response,
//! `requester` the sender, `priority` from the triage score), the answered
//! `form-request` Task set completed when there is one, and the access-log event. A
//! draft is the same response with status `in-progress` and NO owner organisation:
//! it is the filler's, not delivered, and no record system's (systems see only their
//! own organisation's items), until it is sent.
use nordlys_forms::{score, validate, ErrorKind, Form};
use nordlys_policy::{ActRefusal, Principal, DNR_SYSTEM, FNR_SYSTEM, ORGNR_SYSTEM};
use serde_json::{json, Value};

use super::booking::{not_found, parse_body};
use super::booking_parts::rule;
use super::forms_parts::{
    answer_task, canonical, invalid, receiving_unit_id, requested_questionnaire, response, unit_of,
    FormAnswer, FormReceipt, Unit,
};
use super::prepare::prepare_write;
use crate::access::AccessGate;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{PendingWrite, Precondition, ResourceKey, StoredResource};
use crate::service::FhirStore;

/// A Questionnaire read for answering.
struct Loaded {
    body: Value,
    form: Form,
    owner: Option<String>,
}

impl FhirStore {
    /// Saves (or updates) a draft: status in-progress, only missing required answers
    /// allowed, not delivered to anyone.
    pub async fn save_form_draft(
        &self,
        ctx: &RequestContext,
        answer: &FormAnswer,
    ) -> StoreResult<StoredResource> {
        let author = citizen_author(ctx)?;
        let q = self.load_form(ctx, &answer.questionnaire_id).await?;
        let patient = self.form_item(ctx, "Patient", &answer.patient_id).await?;
        let draft = self.draft(ctx, answer).await?;
        let now = now(ctx);
        let body = response(
            &q.form,
            &canonical(&q.body, &answer.questionnaire_id),
            answer,
            &json!({}),
            "in-progress",
            &now,
        );
        let errors: Vec<_> = validate(&q.form, &body)
            .into_iter()
            .filter(|e| e.kind != ErrorKind::Required)
            .collect();
        if !errors.is_empty() {
            return Err(invalid(&errors));
        }
        let (id, pre) = draft_key(draft.as_ref());
        let gate = self.gate(ctx, [&patient.columns]).await?;
        let body = with_author(body, &author, &gate, &answer.patient_id);
        let write = prepare_write(body, "QuestionnaireResponse", &id, None, pre)?;
        let gate = self.gate(ctx, [&patient.columns, &write.columns]).await?;
        act(&gate, &write, &patient)?;
        let mut writes = vec![write];
        writes.extend(self.audits_for_writes(ctx, &writes, &[draft.is_none()])?);
        let committed = self.commit_form(ctx, writes).await?;
        find(committed, "QuestionnaireResponse")
    }

    /// Sends a form: validated in full, delivered to the receiving unit's inbox.
    pub async fn submit_form(
        &self,
        ctx: &RequestContext,
        answer: &FormAnswer,
    ) -> StoreResult<FormReceipt> {
        let author = citizen_author(ctx)?;
        let q = self.load_form(ctx, &answer.questionnaire_id).await?;
        let patient = self.form_item(ctx, "Patient", &answer.patient_id).await?;
        let draft = self.draft(ctx, answer).await?;
        let request = self.request(ctx, answer).await?;
        let unit = match &request {
            Some((_, _, unit)) => unit.clone(),
            None => self.receiving_unit(ctx, &q).await?,
        };
        let now = now(ctx);
        let gate = self.gate(ctx, [&patient.columns]).await?;
        let canon = canonical(&q.body, &answer.questionnaire_id);
        let body = response(&q.form, &canon, answer, &json!({}), "completed", &now);
        let errors = validate(&q.form, &body);
        if !errors.is_empty() {
            return Err(invalid(&errors));
        }
        let triage = score(&q.body, &q.form, &body);
        let priority = triage.priority.map(|p| p.code());
        let body = with_author(body, &author, &gate, &answer.patient_id);
        let sender = body["author"].clone();
        let (id, pre) = draft_key(draft.as_ref());
        let qr = prepare_write(
            body,
            "QuestionnaireResponse",
            &id,
            Some(unit.orgnr.clone()),
            pre,
        )?;
        let task_id = uuid::Uuid::new_v4().to_string();
        let task = answer_task(
            &q.form,
            &id,
            &answer.patient_id,
            &unit,
            &sender,
            priority.map(|p| (triage.score, p)),
            answer.request_id.as_deref(),
            &now,
        );
        let task = prepare_write(
            task,
            "Task",
            &task_id,
            Some(unit.orgnr.clone()),
            Precondition::MustNotExist,
        )?;
        let gate = self.gate(ctx, [&patient.columns, &qr.columns]).await?;
        act(&gate, &qr, &patient)?;
        let mut writes = vec![qr, task];
        let mut created = vec![draft.is_none(), true];
        if let Some((stored, mut req, _)) = request {
            req["status"] = json!("completed");
            req["lastModified"] = json!(now);
            req["output"] = json!([{"type": {"text": "svar"},
                "valueReference": {"reference": format!("QuestionnaireResponse/{id}")}}]);
            writes.push(prepare_write(
                req,
                "Task",
                &stored.id,
                stored.columns.owner_org.clone(),
                Precondition::VersionIs(stored.version),
            )?);
            created.push(false);
        }
        writes.extend(self.audits_for_writes(ctx, &writes, &created)?);
        let committed = self.commit_form(ctx, writes).await?;
        let mut out = committed.into_iter().map(|c| c.stored);
        let (mut response, mut task) = (None, None);
        for s in out.by_ref() {
            if s.resource_type == "QuestionnaireResponse" && s.id == id {
                response = Some(s);
            } else if s.resource_type == "Task" && s.id == task_id {
                task = Some(s);
            }
        }
        match (response, task) {
            (Some(response), Some(task)) => Ok(FormReceipt {
                response,
                task,
                priority,
            }),
            _ => Err(StoreError::Internal(
                "commit returned no form answer".into(),
            )),
        }
    }
}

impl FhirStore {
    async fn form_item(
        &self,
        ctx: &RequestContext,
        rt: &str,
        id: &str,
    ) -> StoreResult<StoredResource> {
        self.backend
            .read_current(ctx, &ResourceKey::new(rt, id))
            .await?
            .filter(|s| !s.deleted)
            .ok_or_else(|| not_found(rt, id))
    }

    async fn load_form(&self, ctx: &RequestContext, id: &str) -> StoreResult<Loaded> {
        let stored = self.form_item(ctx, "Questionnaire", id).await?;
        let gate = self.gate(ctx, [&stored.columns]).await?;
        if !gate.visible(&stored.columns) {
            return Err(not_found("Questionnaire", id));
        }
        let body = parse_body(&stored)?;
        if body.get("status").and_then(Value::as_str) == Some("retired") {
            return Err(rule(
                "Questionnaire.status",
                "this form is no longer in use",
            ));
        }
        let form = Form::parse(&body)
            .ok_or_else(|| StoreError::Internal(format!("Questionnaire {id} unreadable")))?;
        Ok(Loaded {
            body,
            form,
            owner: stored.columns.owner_org.clone(),
        })
    }

    /// The draft being continued: the citizen's own in-progress response to this form.
    async fn draft(
        &self,
        ctx: &RequestContext,
        a: &FormAnswer,
    ) -> StoreResult<Option<StoredResource>> {
        let Some(id) = &a.draft_id else {
            return Ok(None);
        };
        let stored = self.form_item(ctx, "QuestionnaireResponse", id).await?;
        let gate = self.gate(ctx, [&stored.columns]).await?;
        if !gate.visible(&stored.columns) {
            return Err(not_found("QuestionnaireResponse", id));
        }
        let body = parse_body(&stored)?;
        let subject = body.pointer("/subject/reference").and_then(Value::as_str);
        if body["status"] != "in-progress" || subject != Some(&format!("Patient/{}", a.patient_id))
        {
            return Err(rule(
                "QuestionnaireResponse.status",
                "this is not a draft of this patient's form",
            ));
        }
        Ok(Some(stored))
    }

    /// The `form-request` Task answered, with its body and unit, if one is named.
    async fn request(
        &self,
        ctx: &RequestContext,
        a: &FormAnswer,
    ) -> StoreResult<Option<(StoredResource, Value, Unit)>> {
        let Some(id) = &a.request_id else {
            return Ok(None);
        };
        let stored = self.form_item(ctx, "Task", id).await?;
        let gate = self.gate(ctx, [&stored.columns]).await?;
        if !gate.visible(&stored.columns) {
            return Err(not_found("Task", id));
        }
        let body = parse_body(&stored)?;
        let for_patient = body.pointer("/for/reference").and_then(Value::as_str)
            == Some(&format!("Patient/{}", a.patient_id));
        if !for_patient || requested_questionnaire(&body).as_deref() != Some(&a.questionnaire_id) {
            return Err(rule(
                "Task.focus",
                "the request is not for this form and patient",
            ));
        }
        if !matches!(
            body["status"].as_str(),
            Some("requested" | "received" | "accepted" | "in-progress" | "ready")
        ) {
            return Err(rule(
                "Task.status",
                "this form has already been answered or was withdrawn",
            ));
        }
        let orgnr = stored
            .columns
            .owner_org
            .clone()
            .ok_or_else(|| rule("Task.owner", "the request names no receiving unit"))?;
        // A study's request is answered only under a consent in force (research contact).
        if gate
            .study_contact_open(&orgnr, &[], &body, Some(&a.patient_id))
            .is_err()
        {
            return Err(rule(
                "Task.basedOn",
                "the consent to this study has been withdrawn; the answer is not sent",
            ));
        }
        let reference = body
            .get("owner")
            .or_else(|| body.get("requester"))
            .cloned()
            .unwrap_or_else(|| json!({"identifier": {"system": ORGNR_SYSTEM, "value": orgnr}}));
        Ok(Some((stored, body, Unit { reference, orgnr })))
    }

    /// The unit a form without a request goes to: the receiving-unit extension, else
    /// the organisation that published the Questionnaire.
    async fn receiving_unit(&self, ctx: &RequestContext, q: &Loaded) -> StoreResult<Unit> {
        if let Some(org_id) = receiving_unit_id(&q.body) {
            let org = self.form_item(ctx, "Organization", &org_id).await?;
            if let Some(u) = unit_of(&org_id, &parse_body(&org)?) {
                return Ok(u);
            }
        }
        match &q.owner {
            Some(orgnr) => Ok(Unit {
                reference: json!({"identifier": {"system": ORGNR_SYSTEM, "value": orgnr}}),
                orgnr: orgnr.clone(),
            }),
            None => Err(rule(
                "Questionnaire",
                "this form names no unit to receive it",
            )),
        }
    }

    /// A failed version precondition: the draft or request changed meanwhile (409).
    async fn commit_form(
        &self,
        ctx: &RequestContext,
        writes: Vec<PendingWrite>,
    ) -> StoreResult<Vec<crate::backend::Committed>> {
        match self.commit_writes(ctx, writes).await {
            Err(StoreError::PreconditionFailed(_)) | Err(StoreError::Conflict(_)) => {
                Err(StoreError::Conflict(
                    "the form was changed or sent meanwhile (another window or person); reload it"
                        .into(),
                ))
            }
            other => other,
        }
    }
}

fn now(ctx: &RequestContext) -> String {
    ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn draft_key(draft: Option<&StoredResource>) -> (String, Precondition) {
    match draft {
        Some(d) => (d.id.clone(), Precondition::VersionIs(d.version)),
        None => (uuid::Uuid::new_v4().to_string(), Precondition::MustNotExist),
    }
}

/// Only citizens send forms this way; a record system writes QuestionnaireResponse
/// through the ordinary FHIR interactions for its own organisation.
fn citizen_author(ctx: &RequestContext) -> StoreResult<String> {
    match &ctx.principal {
        Principal::Citizen { pid, .. } => Ok(pid.clone()),
        _ => Err(StoreError::Forbidden(
            "forms are sent by citizens; record systems write QuestionnaireResponse directly"
                .into(),
        )),
    }
}

/// The sender: the patient's own record when they send for themself, else the
/// representative's national id (who acted is always on the answer).
fn with_author(mut body: Value, pid: &str, gate: &AccessGate, patient_id: &str) -> Value {
    let own = gate
        .view(patient_id)
        .is_some_and(|v| v.base.facts.national_ids.iter().any(|p| p == pid));
    let author = if own {
        json!({"reference": format!("Patient/{patient_id}")})
    } else {
        let system = if pid.chars().next().is_some_and(|c| c >= '4') {
            DNR_SYSTEM
        } else {
            FNR_SYSTEM
        };
        json!({"type": "RelatedPerson", "identifier": {"system": system, "value": pid}})
    };
    body["author"] = author.clone();
    body["source"] = author;
    body
}

/// § 10: a citizen acts only where they see the item in full; hidden → as if the
/// patient were unknown, unless the patient is seen (then 403).
fn act(gate: &AccessGate, write: &PendingWrite, patient: &StoredResource) -> StoreResult<()> {
    match nordlys_policy::may_act(gate.principal(), &gate.decide(&write.columns)) {
        Ok(()) => Ok(()),
        Err(ActRefusal::Hidden) if !gate.visible(&patient.columns) => {
            Err(not_found("Patient", &patient.id))
        }
        Err(_) => Err(StoreError::Forbidden(
            "you may not answer forms for this patient".into(),
        )),
    }
}

fn find(committed: Vec<crate::backend::Committed>, rt: &str) -> StoreResult<StoredResource> {
    committed
        .into_iter()
        .map(|c| c.stored)
        .find(|s| s.resource_type == rt)
        .ok_or_else(|| StoreError::Internal(format!("commit returned no {rt}")))
}
