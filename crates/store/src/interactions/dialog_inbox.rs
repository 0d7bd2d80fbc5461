//! The unit inbox (issue 5 § 4, § 7): every work-item Task (`TASK_KIND_SYSTEM`, all
//! kinds: dialog, form-answer, measurement-threshold …) owned by the principal's
//! organisation, and the messages of one thread.
//!
//! Why not the ordinary search: a practitioner searching patient data needs a purpose
//! of use (§ 9, refused as a whole otherwise), because a search reaches every patient.
//! The inbox reaches only the organisation's OWN items — § 9's first row, full for its
//! practitioners whatever the purpose — so this search keeps only hits whose stored
//! owner is the principal's organisation, still asks the gate about each one, and logs
//! the access like any search.
use serde_json::Value;

use super::booking::parse_body;
use crate::audit::AuditAction;
use crate::backend::Hit;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{ResourceKey, StoredResource};
use crate::service::FhirStore;

/// At most this many inbox items are returned (newest first).
pub const INBOX_LIMIT: usize = 500;

impl FhirStore {
    /// Items of `resource_type` matching `pairs` that the principal's organisation
    /// owns and the gate lets through, as stored (shaped), newest first.
    pub(crate) async fn own_items(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        pairs: &[(String, String)],
    ) -> StoreResult<Vec<StoredResource>> {
        let Some(orgnr) = ctx.principal.orgnr().map(str::to_string) else {
            return Err(StoreError::Forbidden(
                "the inbox belongs to an organisation".into(),
            ));
        };
        let request = self.parse_search(resource_type, pairs, false)?;
        let hits = self.backend.search(ctx, &request.plan).await?;
        let own: Vec<Hit> = hits
            .into_iter()
            .filter(|h| h.columns.owner_org.as_deref() == Some(orgnr.as_str()))
            .collect();
        let gate = self.gate(ctx, own.iter().map(|h| &h.columns)).await?;
        let keys: Vec<ResourceKey> = own
            .iter()
            .filter(|h| gate.visible(&h.columns))
            .take(INBOX_LIMIT)
            .map(|h| h.key.clone())
            .collect();
        let items = self.shaped_bodies(ctx, &gate, &keys).await?;
        self.log_access(ctx, AuditAction::Search, items.iter())
            .await?;
        Ok(items)
    }

    /// The unit inbox: every work-item Task the principal's organisation owns.
    pub async fn unit_inbox(&self, ctx: &RequestContext) -> StoreResult<Vec<Value>> {
        let codes: Vec<String> = nordlys_policy::TASK_KINDS
            .iter()
            .map(|(code, _)| format!("{}|{code}", nordlys_policy::TASK_KIND_SYSTEM))
            .collect();
        let pairs = vec![
            ("code".to_string(), codes.join(",")),
            ("_sort".to_string(), "-authored-on".to_string()),
        ];
        let items = self.own_items(ctx, "Task", &pairs).await?;
        Ok(items.iter().filter_map(|s| parse_body(s).ok()).collect())
    }

    /// One thread and its messages (oldest first), for the unit that owns it.
    pub async fn unit_thread(
        &self,
        ctx: &RequestContext,
        task_id: &str,
    ) -> StoreResult<(Value, Vec<Value>)> {
        let thread = self.thread(ctx, task_id).await?;
        self.unit_may_write(&thread)?;
        self.log_access(ctx, AuditAction::Read, std::iter::once(&thread.stored))
            .await?;
        let pairs = vec![
            ("part-of".to_string(), format!("Task/{task_id}")),
            ("_sort".to_string(), "sent".to_string()),
        ];
        let msgs = self.own_items(ctx, "Communication", &pairs).await?;
        Ok((
            thread.body,
            msgs.iter().filter_map(|s| parse_body(s).ok()).collect(),
        ))
    }
}
