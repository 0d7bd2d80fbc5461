//! `read` and `vread`. A hidden item answers exactly like an unknown id.
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
        self.finish_read(ctx, AuditAction::Read, stored, None).await
    }

    /// The gate, the access log and the deleted check, shared by read and vread. For an
    /// older version, `current` is the item's current version: the older one is seen no
    /// more than it (a label added later closes the history too).
    async fn finish_read(
        &self,
        ctx: &RequestContext,
        action: AuditAction,
        stored: StoredResource,
        current: Option<StoredResource>,
    ) -> StoreResult<StoredResource> {
        let current = current.map(|c| c.columns);
        let gate = self
            .gate(
                ctx,
                std::iter::once(&stored.columns).chain(current.as_ref()),
            )
            .await?;
        let (rt, id) = (stored.resource_type.clone(), stored.id.clone());
        if stored.deleted {
            // A deleted item's last version still decides whether "gone" may be told.
            if gate.decide_version(&stored.columns, current.as_ref()).level
                == nordlys_policy::Level::None
            {
                return Err(not_found(&rt, &id));
            }
            return Err(StoreError::Gone {
                resource_type: rt,
                id,
                version: stored.version,
            });
        }
        let audit_copy = stored.clone();
        let Some(shaped) = gate.shape_version(stored, current.as_ref()) else {
            self.log_refusal(ctx, action, &audit_copy).await?;
            return Err(not_found(&rt, &id));
        };
        self.log_access(ctx, action, [&shaped]).await?;
        Ok(shaped)
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
        let current = self.backend.read_current(ctx, &key).await?;
        self.finish_read(ctx, AuditAction::Vread, stored, current)
            .await
    }
}
