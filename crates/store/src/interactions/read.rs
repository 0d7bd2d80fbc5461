//! `read` and `vread`. A hidden item answers exactly like an unknown id.
use crate::access::{Access, AccessGate};
use crate::audit::AuditAction;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{ResourceKey, StoredResource};
use crate::service::FhirStore;

fn not_found(resource_type: &str, id: &str) -> StoreError {
    StoreError::NotFound {
        resource_type: resource_type.to_string(),
        id: id.to_string(),
    }
}

impl FhirStore {
    pub(crate) fn check_type(&self, resource_type: &str) -> StoreResult<()> {
        if nordlys_fhir::definitions().is_resource_type(resource_type) {
            Ok(())
        } else {
            Err(StoreError::UnknownType(resource_type.to_string()))
        }
    }

    /// `GET [type]/[id]`: the current version; `NotFound` for unknown or hidden, `Gone` for deleted.
    pub async fn read(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> StoreResult<StoredResource> {
        self.check_type(resource_type)?;
        let key = ResourceKey::new(resource_type, id);
        let Some(stored) = self.backend.read_current(ctx, &key).await? else {
            return Err(not_found(resource_type, id));
        };
        self.finish_read(ctx, AuditAction::Read, stored).await
    }

    /// The gate, the access log and the deleted check, shared by read and vread.
    async fn finish_read(
        &self,
        ctx: &RequestContext,
        action: AuditAction,
        stored: StoredResource,
    ) -> StoreResult<StoredResource> {
        if AccessGate::new(ctx).level(&stored.columns) == Access::None {
            self.log_refusal(ctx, action, &stored).await?;
            return Err(not_found(&stored.resource_type, &stored.id));
        }
        if stored.deleted {
            return Err(StoreError::Gone {
                resource_type: stored.resource_type,
                id: stored.id,
                version: stored.version,
            });
        }
        self.log_access(ctx, action, [&stored]).await?;
        Ok(stored)
    }

    /// `GET [type]/[id]/_history/[vid]`.
    pub async fn vread(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        version: i64,
    ) -> StoreResult<StoredResource> {
        self.check_type(resource_type)?;
        let key = ResourceKey::new(resource_type, id);
        let Some(stored) = self.backend.read_version(ctx, &key, version).await? else {
            return Err(not_found(resource_type, id));
        };
        self.finish_read(ctx, AuditAction::Vread, stored).await
    }
}
