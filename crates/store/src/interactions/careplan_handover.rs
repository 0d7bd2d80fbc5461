//! Hand-over of responsibility for a shared care plan between organisations (issue 6
//! § 3): the responsible organisation proposes, the receiving unit accepts or rejects.
//!
//! Why a Task in the receiver's inbox: the receiving unit must agree before it is
//! responsible, so the proposal is a work item (`careplan-handover`) owned by the
//! receiving unit — its stored owner organisation is the receiver, so its
//! practitioners answer it as their own item. Accepting changes the plan's responsible
//! organisation (`author`, and the receiver joins `contributor`) with `If-Match` on the
//! version read and a Provenance, and completes the Task — one batch, so a plan is
//! never handed over without the answer recorded, nor answered twice (the Task's
//! version is checked too). Rejecting only closes the Task.
//!
//! Whether the plan may pass is the policy's answer (`nordlys_policy::may_hand_over`),
//! asked on proposal and again on acceptance: the proposer must be responsible, and
//! the receiver must see the plan — decided through the gate as a treating
//! practitioner of the receiving organisation — through the patient's careplan-sharing
//! consent, so no organisation becomes responsible for a plan it cannot read.
use nordlys_policy::{Principal, ORGNR_SYSTEM, TASK_KIND_SYSTEM};
use serde_json::{json, Value};

use super::booking::{not_found, parse_body};
use super::prepare::prepare_write;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{PendingWrite, Precondition, ResourceKey, StoredResource};
use crate::service::FhirStore;

fn refused(msg: &str) -> StoreError {
    StoreError::Forbidden(msg.into())
}

fn rule(msg: &str) -> StoreError {
    StoreError::Invalid(vec![nordlys_fhir::Issue {
        severity: nordlys_fhir::IssueSeverity::Error,
        code: "business-rule",
        expression: "Task".into(),
        diagnostics: msg.into(),
    }])
}

/// The policy's refusal as the answer: not responsible 403, a hand-over to itself
/// 400, a receiver the consent does not cover 422.
fn hand_over_refused(r: nordlys_policy::HandOverRefusal) -> StoreError {
    use nordlys_policy::HandOverRefusal as R;
    match r {
        R::NotResponsible => refused(&r.to_string()),
        R::SameOrganisation => StoreError::BadRequest(r.to_string()),
        R::ReceiverNotCovered => rule(&r.to_string()),
    }
}

fn org(orgnr: &str) -> Value {
    json!({"identifier": {"system": ORGNR_SYSTEM, "value": orgnr}})
}

/// The plan's responsible organisation: `author` as an orgnr, else its owner.
pub fn responsible(plan: &Value, owner: Option<&str>) -> Option<String> {
    plan.pointer("/author/identifier")
        .filter(|i| i.get("system").and_then(Value::as_str) == Some(ORGNR_SYSTEM))
        .and_then(|i| i.get("value"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| owner.map(str::to_string))
}

/// The plan with `to` responsible and in the team.
pub fn handed_over(plan: &Value, to: &str) -> Value {
    let mut p = plan.clone();
    p["author"] = org(to);
    let in_team = p
        .get("contributor")
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter()
                .any(|m| m.pointer("/identifier/value").and_then(Value::as_str) == Some(to))
        });
    if !in_team {
        match p.get_mut("contributor") {
            Some(Value::Array(c)) => c.push(org(to)),
            _ => p["contributor"] = json!([org(to)]),
        }
    }
    if let Some(m) = p.as_object_mut() {
        m.remove("meta");
    }
    p
}

fn acting_org(ctx: &RequestContext) -> StoreResult<&str> {
    match &ctx.principal {
        Principal::Citizen { .. } => Err(refused("a hand-over is between organisations")),
        p => p.orgnr().ok_or_else(|| refused("no organisation")),
    }
}

impl FhirStore {
    /// `CarePlan/{id}/$handover`: the responsible organisation proposes `to_orgnr`.
    pub async fn propose_handover(
        &self,
        ctx: &RequestContext,
        plan_id: &str,
        to_orgnr: &str,
    ) -> StoreResult<StoredResource> {
        let me = acting_org(ctx)?.to_string();
        if to_orgnr.len() != 9 || !to_orgnr.bytes().all(|b| b.is_ascii_digit()) || to_orgnr == me {
            return Err(StoreError::BadRequest(
                "organization must be another organisation's 9-digit number".into(),
            ));
        }
        let plan = self
            .backend
            .read_current(ctx, &ResourceKey::new("CarePlan", plan_id))
            .await?
            .filter(|p| !p.deleted)
            .ok_or_else(|| not_found("CarePlan", plan_id))?;
        let gate = self.gate(ctx, [&plan.columns]).await?;
        if !gate.visible(&plan.columns) {
            return Err(not_found("CarePlan", plan_id));
        }
        let body = parse_body(&plan)?;
        let to_decision = self.decide_as_unit(ctx, to_orgnr, &plan.columns).await?;
        nordlys_policy::may_hand_over(
            responsible(&body, plan.columns.owner_org.as_deref()).as_deref(),
            &me,
            to_orgnr,
            to_decision,
        )
        .map_err(hand_over_refused)?;
        let patient = plan
            .columns
            .patient_id
            .clone()
            .ok_or_else(|| not_found("Patient", ""))?;
        let id = uuid::Uuid::new_v4().to_string();
        let task = json!({"resourceType": "Task", "id": id, "status": "requested", "intent": "proposal",
            "priority": "routine",
            "code": {"coding": [{"system": TASK_KIND_SYSTEM, "code": "careplan-handover"}]},
            "businessStatus": {"text": "handover-proposed"},
            "description": "Overta ansvaret for den delte behandlingsplanen",
            "for": {"reference": format!("Patient/{patient}")},
            "focus": {"reference": format!("CarePlan/{plan_id}")},
            "requester": org(&me), "owner": org(to_orgnr),
            "authoredOn": ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)});
        let write = prepare_write(
            task,
            "Task",
            &id,
            Some(to_orgnr.to_string()),
            Precondition::MustNotExist,
        )?;
        let mut writes = vec![write];
        writes.extend(self.audits_for_writes(ctx, &writes, &[true])?);
        self.commit_handover(ctx, writes).await
    }

    /// `Task/{id}/$accept-handover` and `$reject-handover`: the receiving unit answers.
    pub async fn answer_handover(
        &self,
        ctx: &RequestContext,
        task_id: &str,
        accept: bool,
    ) -> StoreResult<StoredResource> {
        let me = acting_org(ctx)?.to_string();
        let task = self
            .backend
            .read_current(ctx, &ResourceKey::new("Task", task_id))
            .await?
            .filter(|t| !t.deleted)
            .ok_or_else(|| not_found("Task", task_id))?;
        let gate = self.gate(ctx, [&task.columns]).await?;
        if !gate.visible(&task.columns) {
            return Err(not_found("Task", task_id));
        }
        let mut body = parse_body(&task)?;
        let is_handover = body.pointer("/code/coding/0/code").and_then(Value::as_str)
            == Some("careplan-handover");
        if !is_handover {
            return Err(rule("this Task is not a care plan hand-over"));
        }
        if task.columns.owner_org.as_deref() != Some(me.as_str()) {
            return Err(refused(
                "only the receiving organisation answers a hand-over",
            ));
        }
        if body.get("status").and_then(Value::as_str) != Some("requested") {
            return Err(rule("this hand-over is already answered"));
        }
        let (status, business) = if accept {
            ("completed", "handover-accepted")
        } else {
            ("rejected", "handover-rejected")
        };
        body["status"] = json!(status);
        body["businessStatus"] = json!({"text": business});
        body["lastModified"] = json!(ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        if let Some(m) = body.as_object_mut() {
            m.remove("meta");
        }
        let mut writes = vec![prepare_write(
            body.clone(),
            "Task",
            task_id,
            task.columns.owner_org.clone(),
            Precondition::VersionIs(task.version),
        )?];
        if accept {
            let plan_id = body
                .pointer("/focus/reference")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("CarePlan/"))
                .ok_or_else(|| rule("the hand-over names no CarePlan"))?
                .to_string();
            let plan = self
                .backend
                .read_current(ctx, &ResourceKey::new("CarePlan", &plan_id))
                .await?
                .filter(|p| !p.deleted)
                .ok_or_else(|| rule("the plan no longer exists"))?;
            let patient = plan
                .columns
                .patient_id
                .clone()
                .ok_or_else(|| rule("the plan has no patient"))?;
            let plan_body = parse_body(&plan)?;
            // Asked again: responsibility or the consent may have changed since.
            let from = body
                .pointer("/requester/identifier/value")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let to_decision = self.decide_as_unit(ctx, &me, &plan.columns).await?;
            nordlys_policy::may_hand_over(
                responsible(&plan_body, plan.columns.owner_org.as_deref()).as_deref(),
                from,
                &me,
                to_decision,
            )
            .map_err(hand_over_refused)?;
            let new = handed_over(&plan_body, &me);
            let owner = plan.columns.owner_org.clone();
            writes.push(prepare_write(
                new,
                "CarePlan",
                &plan_id,
                owner.clone(),
                Precondition::VersionIs(plan.version),
            )?);
            let prov_id = uuid::Uuid::new_v4().to_string();
            let prov = super::careplan_parts::provenance(
                &prov_id,
                &plan_id,
                plan.version + 1,
                &patient,
                &ctx.principal,
                ctx.now,
                "UPDATE",
            );
            writes.push(prepare_write(
                prov,
                "Provenance",
                &prov_id,
                owner,
                Precondition::MustNotExist,
            )?);
        }
        let mut created = vec![false, false];
        created.resize(writes.len(), true);
        writes.extend(self.audits_for_writes(ctx, &writes, &created)?);
        self.commit_handover(ctx, writes).await
    }

    async fn commit_handover(
        &self,
        ctx: &RequestContext,
        writes: Vec<PendingWrite>,
    ) -> StoreResult<StoredResource> {
        let committed = match self.commit_writes(ctx, writes).await {
            Err(StoreError::PreconditionFailed(_)) | Err(StoreError::Conflict(_)) => {
                return Err(StoreError::Conflict(
                    "the plan or the hand-over changed meanwhile; read them again".into(),
                ))
            }
            other => other?,
        };
        committed
            .into_iter()
            .next()
            .map(|c| c.stored)
            .ok_or_else(|| StoreError::Internal("commit returned nothing".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_over_changes_the_responsible_and_the_team() {
        let plan = json!({"resourceType": "CarePlan", "author": org("983974899"),
            "contributor": [org("983974899")], "meta": {"versionId": "2"}});
        assert_eq!(responsible(&plan, None).as_deref(), Some("983974899"));
        let p = handed_over(&plan, "974760673");
        assert_eq!(responsible(&p, None).as_deref(), Some("974760673"));
        assert_eq!(p["contributor"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            handed_over(&p, "974760673")["contributor"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        assert!(p.get("meta").is_none());
        assert_eq!(responsible(&json!({}), Some("1")).as_deref(), Some("1"));
    }
}
