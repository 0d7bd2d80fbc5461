//! `create`, `update` (with `If-Match` and create-on-update), conditional create and
//! `delete`. The owner organisation is recorded by the server from the principal,
//! never taken from the payload, and kept across updates.
use serde_json::Value;

use super::prepare::{prepare_delete, prepare_write, resource_type_of};
use crate::access::{Access, AccessGate};
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{Precondition, ResourceKey};
use crate::service::{FhirStore, WriteOutcome};

fn forbidden() -> StoreError {
    StoreError::Forbidden("you may not write this kind of data".into())
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
        if !AccessGate::new(ctx).may_write_type(&resource_type) {
            return Err(forbidden());
        }
        let owner = ctx.principal.orgnr().map(str::to_string);
        if let Some(query) = if_none_exist {
            if let Some(existing) = self.conditional_match(ctx, &resource_type, query).await? {
                return Ok(WriteOutcome::Unchanged(existing));
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let write = prepare_write(
            resource,
            &resource_type,
            &id,
            owner,
            Precondition::MustNotExist,
        )?;
        if !AccessGate::new(ctx).may_write(&write.columns) {
            return Err(forbidden());
        }
        let mut writes = vec![write];
        writes.extend(self.audits_for_writes(ctx, &writes, &[true])?);
        let stored = self.backend.commit(ctx, writes).await?;
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
        let gate = AccessGate::new(ctx);
        if !gate.may_write_type(resource_type) {
            return Err(forbidden());
        }
        let current = self
            .backend
            .read_current(ctx, &ResourceKey::new(resource_type, id))
            .await?;
        let owner = match &current {
            Some(c) if !c.deleted => {
                // A hidden item must look like a missing one: refuse as if the version didn't match.
                if gate.level(&c.columns) == Access::None || !gate.may_write(&c.columns) {
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
        if !gate.may_write(&write.columns) {
            return Err(forbidden());
        }
        let existed = current.as_ref().is_some_and(|c| !c.deleted);
        let mut writes = vec![write];
        writes.extend(self.audits_for_writes(ctx, &writes, &[!existed])?);
        let stored = self.backend.commit(ctx, writes).await?;
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
        let Some(current) = self
            .backend
            .read_current(ctx, &ResourceKey::new(resource_type, id))
            .await?
        else {
            return Ok(());
        };
        let gate = AccessGate::new(ctx);
        if !gate.may_write_type(resource_type) {
            return Err(forbidden());
        }
        if current.deleted || gate.level(&current.columns) == Access::None {
            return Ok(());
        }
        if !gate.may_write(&current.columns) {
            return Err(forbidden());
        }
        let mut writes = vec![prepare_delete(resource_type, id, current.columns)];
        writes.extend(self.audits_for_writes(ctx, &writes, &[false])?);
        self.backend.commit(ctx, writes).await?;
        Ok(())
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
