//! `unchecked_import`: the operator's bulk load, without a principal.
//!
//! Why it is "unchecked": import runs before any user exists (demo, migration from
//! another system) and stores records for many organisations. It still validates
//! and indexes every record exactly like the API does; it only skips the access
//! decision. Nothing else in the store may skip it.
use serde_json::Value;

use super::prepare::{prepare_write, resource_type_of};
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::Precondition;
use crate::service::{FhirStore, ImportReport};

impl FhirStore {
    /// Validates, indexes and stores with the given ids, as one transaction per call;
    /// records that fail validation are reported and left out, the rest are stored.
    /// Re-running with the same content writes nothing (`unchanged`).
    pub async fn unchecked_import(
        &self,
        resources: Vec<Value>,
        owner_org: Option<&str>,
    ) -> StoreResult<ImportReport> {
        let mut report = ImportReport::default();
        let mut writes = Vec::with_capacity(resources.len());
        for (i, resource) in resources.into_iter().enumerate() {
            let prepared = resource_type_of(&resource).and_then(|rt| {
                let id = resource
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| {
                        StoreError::BadRequest("an imported resource must have an id".into())
                    })?;
                prepare_write(
                    resource,
                    &rt,
                    &id,
                    owner_org.map(str::to_string),
                    Precondition::Any,
                )
            });
            match prepared {
                Ok(mut w) => {
                    w.skip_if_unchanged = true;
                    writes.push(w);
                }
                Err(e) => report.failed.push((i, describe(&e))),
            }
        }
        if writes.is_empty() {
            return Ok(report);
        }
        let ctx = RequestContext::new(nordlys_policy::Principal::System {
            client_id: "nordlys-import".into(),
            orgnr: owner_org.unwrap_or_default().to_string(),
            scopes: vec!["system/*.write".into()],
        });
        let stored = self.commit_quietly(&ctx, writes, Vec::new()).await?;
        for c in &stored {
            if c.changed {
                report.written += 1;
            } else {
                report.unchanged += 1;
            }
        }
        Ok(report)
    }
}

/// A one-line reason for a rejected record.
pub(crate) fn describe(e: &StoreError) -> String {
    match e {
        StoreError::Invalid(issues) => issues
            .iter()
            .map(|i| format!("{}: {}", i.expression, i.diagnostics))
            .collect::<Vec<_>>()
            .join("; "),
        StoreError::UnknownType(t) => format!("unknown resource type {t}"),
        other => other.to_string(),
    }
}
