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

/// How many `partOf` levels below the legal entity belong to its inbox (entity →
/// division → clinic → ward is three).
const MAX_UNIT_DEPTH: usize = 4;

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
        let own = self.own_hits(ctx, resource_type, pairs, &orgnr).await?;
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

    /// Hits of `pairs` whose stored owner is `orgnr`. A Task search is narrowed to the
    /// organisation in the plan (not fetched region-wide and filtered): `owner` is one
    /// of the orgnr's Organization resources (a unit may have several, its sub-units,
    /// sharing one inbox), or names the orgnr by identifier — two searches, merged.
    async fn own_hits(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        pairs: &[(String, String)],
        orgnr: &str,
    ) -> StoreResult<Vec<Hit>> {
        let mut searches: Vec<Vec<(String, String)>> = Vec::new();
        if resource_type == "Task" {
            let units = self.organisation_units(ctx, orgnr).await?;
            if !units.is_empty() {
                let mut by_ref = pairs.to_vec();
                by_ref.push(("owner".into(), units.join(",")));
                searches.push(by_ref);
            }
            let mut by_nr = pairs.to_vec();
            by_nr.push((
                "owner:identifier".into(),
                format!("{}|{orgnr}", nordlys_policy::ORGNR_SYSTEM),
            ));
            searches.push(by_nr);
        } else {
            searches.push(pairs.to_vec());
        }
        let mut own: Vec<Hit> = Vec::new();
        for search in searches {
            let request = self.parse_search(resource_type, &search, false)?;
            for h in self.backend.search(ctx, &request.plan).await? {
                if h.columns.owner_org.as_deref() == Some(orgnr)
                    && !own.iter().any(|o| o.key == h.key)
                {
                    own.push(h);
                }
            }
        }
        Ok(own)
    }

    /// `Organization/{id}` of every Organization carrying `orgnr` (directory data) and of
    /// every unit below them (`partOf`, a few levels): a hospital's wards carry their
    /// RESH id, not the orgnr, and their threads are the hospital's inbox too.
    async fn organisation_units(
        &self,
        ctx: &RequestContext,
        orgnr: &str,
    ) -> StoreResult<Vec<String>> {
        let mut units = self
            .organisation_refs(
                ctx,
                (
                    "identifier",
                    format!("{}|{orgnr}", nordlys_policy::ORGNR_SYSTEM),
                ),
            )
            .await?;
        let mut frontier = units.clone();
        for _ in 0..MAX_UNIT_DEPTH {
            if frontier.is_empty() {
                break;
            }
            let below = self
                .organisation_refs(ctx, ("partof", frontier.join(",")))
                .await?;
            frontier = below.into_iter().filter(|u| !units.contains(u)).collect();
            units.extend(frontier.iter().cloned());
        }
        Ok(units)
    }

    /// `Organization/{id}` of the Organizations matching one search parameter.
    async fn organisation_refs(
        &self,
        ctx: &RequestContext,
        (name, value): (&str, String),
    ) -> StoreResult<Vec<String>> {
        let pairs = [(name.to_string(), value)];
        let request = self.parse_search("Organization", &pairs, false)?;
        Ok(self
            .backend
            .search(ctx, &request.plan)
            .await?
            .into_iter()
            .map(|h| format!("Organization/{}", h.key.id))
            .collect())
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
        let mut tasks: Vec<Value> = items.iter().filter_map(|s| parse_body(s).ok()).collect();
        // Two searches merged (by reference, by orgnr): newest first again.
        tasks.sort_by_key(|t| {
            std::cmp::Reverse(
                t.get("authoredOn")
                    .and_then(Value::as_str)
                    .and_then(|a| chrono::DateTime::parse_from_rfc3339(a).ok()),
            )
        });
        Ok(tasks)
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
