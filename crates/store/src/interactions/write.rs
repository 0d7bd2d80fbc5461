//! `create`, `update` (with `If-Match` and create-on-update), conditional create and
//! `delete`. The owner organisation is recorded by the server from the principal,
//! never taken from the payload, and kept across updates.
use serde_json::Value;

use super::prepare::{prepare_delete, prepare_write, resource_type_of};
use crate::access::AccessGate;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{Precondition, ResourceKey};
use crate::service::{FhirStore, WriteOutcome};

fn forbidden() -> StoreError {
    StoreError::Forbidden("you may not write this kind of data".into())
}

/// Ids the store derives for items it writes itself: a threshold alarm
/// (`mt-{hash}`), a letter's read receipt, a patient's one-active-plan marker and
/// notification preferences. Were a client to create one first, under its own
/// organisation, the store would meet a stranger's item where it expects its own (an
/// alarm, receipt or reminder suppressed; every active plan refused).
const RESERVED_ID_PREFIXES: [&str; 4] = [
    "mt-",
    "letter-read-",
    "careplan-active-",
    "notification-preferences-",
];
/// Of those, the ones no client writes at all: the marker and the preferences are the
/// store's bookkeeping. Threshold and receipt Tasks are the unit's work items, which it
/// updates (status) through the gate like any own item once the store created them.
const STORE_ONLY_PREFIXES: [&str; 2] = ["careplan-active-", "notification-preferences-"];

/// The one check of reserved ids for every client write path (`update`, `delete`,
/// batch and transaction entries): a reserved id cannot be created by a client
/// (`exists` false), and the store-only ones cannot be changed or deleted either.
pub(crate) fn reserved_id(id: &str, exists: bool) -> StoreResult<()> {
    let reserved = RESERVED_ID_PREFIXES.iter().any(|p| id.starts_with(p));
    let store_only = STORE_ONLY_PREFIXES.iter().any(|p| id.starts_with(p));
    if store_only || (reserved && !exists) {
        return Err(StoreError::Forbidden(format!(
            "the id '{id}' is reserved for items the server writes itself"
        )));
    }
    Ok(())
}

impl FhirStore {
    /// Runs an `If-None-Exist` query: `Ok(Some(existing))` when exactly one matches.
    pub(crate) async fn conditional_match(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        query: &str,
    ) -> StoreResult<Option<crate::model::StoredResource>> {
        let pairs: Vec<(String, String)> = form_pairs(query.trim_start_matches('?'))
            .into_iter()
            .filter(|(k, _)| !k.is_empty())
            .collect();
        if pairs.is_empty() {
            return Err(StoreError::BadRequest(
                "the conditional query is empty".into(),
            ));
        }
        let mut request = self.parse_search(resource_type, &pairs, false)?;
        request.count = 2;
        let result = self.search(ctx, &request).await?;
        match result.matches.len() {
            0 => Ok(None),
            1 => Ok(result.matches.into_iter().next()),
            _ => Err(StoreError::PreconditionFailed(format!(
                "the condition matches more than one {resource_type}"
            ))),
        }
    }

    /// `POST [type]` with a server-assigned id; `if_none_exist` is the `If-None-Exist` query.
    pub async fn create(
        &self,
        ctx: &RequestContext,
        resource: Value,
        if_none_exist: Option<&str>,
    ) -> StoreResult<WriteOutcome> {
        let resource_type = resource_type_of(&resource)?;
        let mut resource = resource;
        if resource_type == "Subscription" {
            self.prepare_subscription(ctx, &mut resource)?;
        }
        let owner = ctx.principal.orgnr().map(str::to_string);
        if resource_type == "Communication" && if_none_exist.is_none() {
            // A message on a dialog thread also moves the thread (docs/dialog.md).
            if let Some(sent) = self.dialog_post(ctx, &resource).await? {
                return Ok(WriteOutcome::Created(sent));
            }
        }
        if let Some(query) = if_none_exist {
            if let Some(existing) = self.conditional_match(ctx, &resource_type, query).await? {
                return Ok(WriteOutcome::Unchanged(existing));
            }
        }
        if resource_type == "CarePlan" {
            return self.create_careplan(ctx, resource).await;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let write = prepare_write(
            resource,
            &resource_type,
            &id,
            owner,
            Precondition::MustNotExist,
        )?;
        let mut gate = self.gate(ctx, [&write.columns]).await?;
        self.check_write(&gate, &write)?;
        self.check_grant_reach(ctx, &mut gate, &write).await?;
        let mut writes = vec![write];
        let tasks = self.threshold_tasks(ctx, &writes).await?;
        writes.extend(self.audits_for_writes(ctx, &writes, &[true])?);
        let stored = self.commit_measured(ctx, writes, tasks).await?;
        stored
            .into_iter()
            .next()
            .map(|c| WriteOutcome::Created(c.stored))
            .ok_or_else(|| StoreError::Internal("commit returned nothing".into()))
    }

    /// `PUT [type]/[id]` (create-on-update allowed); `if_match` is the version from `If-Match`.
    pub async fn update(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        resource: Value,
        if_match: Option<i64>,
    ) -> StoreResult<WriteOutcome> {
        self.check_type(resource_type)?;
        let body_type = resource_type_of(&resource)?;
        if body_type != resource_type {
            return Err(StoreError::BadRequest(format!(
                "the body is a {body_type}, the URL names {resource_type}"
            )));
        }
        match resource.get("id").and_then(Value::as_str) {
            Some(body_id) if body_id == id => {}
            Some(body_id) => {
                return Err(StoreError::BadRequest(format!(
                    "the body's id '{body_id}' differs from the URL's '{id}'"
                )))
            }
            None => {
                return Err(StoreError::BadRequest(
                    "the body of an update must carry the id".into(),
                ))
            }
        }
        reserved_id(id, true)?;
        if resource_type == "CarePlan" {
            return self.update_careplan(ctx, id, resource, if_match).await;
        }
        let mut resource = resource;
        if resource_type == "Subscription" {
            self.prepare_subscription(ctx, &mut resource)?;
        }
        let current = self
            .backend
            .read_current(ctx, &ResourceKey::new(resource_type, id))
            .await?;
        let mut gate = self.gate(ctx, current.as_ref().map(|c| &c.columns)).await?;
        // A hidden item counts as missing here too, so the answer tells nothing of it.
        reserved_id(
            id,
            current
                .as_ref()
                .is_some_and(|c| !c.deleted && gate.visible(&c.columns)),
        )?;
        let owner = match &current {
            Some(c) if !c.deleted => {
                // A hidden item must look like a missing one: refuse as if the version didn't match.
                if !gate.visible(&c.columns) || !gate.may_write(resource_type, &c.columns) {
                    return Err(if if_match.is_some() {
                        StoreError::PreconditionFailed("the version does not match".into())
                    } else {
                        forbidden()
                    });
                }
                c.columns.owner_org.clone()
            }
            _ => ctx.principal.orgnr().map(str::to_string),
        };
        let precondition = if_match.map_or(Precondition::Any, Precondition::VersionIs);
        let write = prepare_write(resource, resource_type, id, owner, precondition)?;
        self.extend_gate(ctx, &mut gate, [&write.columns]).await?;
        self.check_write(&gate, &write)?;
        self.check_grant_reach(ctx, &mut gate, &write).await?;
        let existed = current.as_ref().is_some_and(|c| !c.deleted);
        let mut writes = vec![write];
        let tasks = self.threshold_tasks(ctx, &writes).await?;
        writes.extend(self.audits_for_writes(ctx, &writes, &[!existed])?);
        let stored = self.commit_measured(ctx, writes, tasks).await?;
        let stored = stored
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Internal("commit returned nothing".into()))?
            .stored;
        Ok(if existed {
            WriteOutcome::Updated(stored)
        } else {
            WriteOutcome::Created(stored)
        })
    }

    /// `DELETE [type]/[id]`: a logical delete, kept in history. Deleting what is not there succeeds.
    pub async fn delete(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> StoreResult<()> {
        self.check_type(resource_type)?;
        reserved_id(id, true)?;
        let Some(current) = self
            .backend
            .read_current(ctx, &ResourceKey::new(resource_type, id))
            .await?
        else {
            return Ok(());
        };
        let gate = self.gate(ctx, [&current.columns]).await?;
        if current.deleted || !gate.visible(&current.columns) {
            return Ok(());
        }
        if !gate.may_write(resource_type, &current.columns) {
            return Err(forbidden());
        }
        if resource_type == "CarePlan" {
            // An active plan's one-active marker goes in the same batch.
            return self.delete_careplan(ctx, current).await;
        }
        let mut writes = vec![prepare_delete(resource_type, id, current.columns)];
        writes.extend(self.audits_for_writes(ctx, &writes, &[false])?);
        self.commit_writes(ctx, writes).await?;
        Ok(())
    }
}

impl FhirStore {
    /// May this write go through? The kind of data (§ 10), and for grants the rules of
    /// § 8 about who sets which kind (checked by the policy; a broken rule is a 422).
    pub(crate) fn check_write(
        &self,
        gate: &AccessGate,
        write: &crate::model::PendingWrite,
    ) -> StoreResult<()> {
        if !gate.may_write(&write.resource_type, &write.columns) {
            return Err(forbidden());
        }
        // A study contacts consenting participants only (docs/access-policy.md, study contact).
        if let Err(refusal) = gate.may_send_for_study(write) {
            return Err(StoreError::Invalid(vec![nordlys_fhir::Issue {
                severity: nordlys_fhir::IssueSeverity::Error,
                code: "business-rule",
                expression: write.resource_type.clone(),
                diagnostics: refusal.to_string(),
            }]));
        }
        let Some(resource) = &write.resource else {
            return Ok(());
        };
        if write.resource_type != "Consent" {
            return Ok(());
        }
        let is_grant = resource
            .pointer("/category/0/coding/0/system")
            .and_then(Value::as_str)
            == Some(crate::access::GRANT_KIND_SYSTEM);
        if !is_grant {
            return Ok(());
        }
        let rule = |msg: String| {
            StoreError::Invalid(vec![nordlys_fhir::Issue {
                severity: nordlys_fhir::IssueSeverity::Error,
                code: "business-rule",
                expression: "Consent".into(),
                diagnostics: msg,
            }])
        };
        let grant =
            nordlys_policy::grant_from_consent(resource).map_err(|e| rule(e.to_string()))?;
        let Some(view) = write
            .columns
            .patient_id
            .as_deref()
            .and_then(|p| gate.view(p))
        else {
            return Err(rule(
                "a grant must name an existing patient (Consent.patient)".into(),
            ));
        };
        let relations: Vec<nordlys_policy::Relation> = view
            .relations
            .iter()
            .filter(|r| r.holds())
            .cloned()
            .collect();
        let author = match gate.principal() {
            nordlys_policy::Principal::Citizen { pid, .. } => nordlys_policy::Author::Citizen {
                pid,
                relations: &relations,
            },
            nordlys_policy::Principal::Practitioner { hpr, orgnr, .. } => {
                nordlys_policy::Author::Practitioner { hpr, orgnr }
            }
            nordlys_policy::Principal::System { orgnr, .. } => {
                nordlys_policy::Author::System { orgnr }
            }
        };
        nordlys_policy::may_write_grant(&author, &grant, &view.base.facts, chrono::Utc::now())
            .map_err(|e| rule(e.to_string()))
    }
}

/// `a=1&b=2` → pairs, percent-decoded.
pub(crate) fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8_lossy()
        .into_owned()
}
