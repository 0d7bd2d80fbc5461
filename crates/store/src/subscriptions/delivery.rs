//! What the deliverer (crates/api, `subscriptions`) asks of the store: the queued
//! events grouped by subscription in order, the resource as the owner sees it now,
//! and the bookkeeping (settle an event, set a subscription's status).
//!
//! Why the resource is read again at delivery: between the match and the send a rule
//! may have changed (a block, a lockdown). The read goes through the gate as the
//! owner, so a payload never carries what the owner may not see, and an item no
//! longer visible is not announced at all.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use nordlys_policy::Principal;
use serde_json::{json, Value};

use super::owner::{CLIENT_EXTENSION, SCOPES_EXTENSION};
use super::{SubEvent, SubSettle};
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{Precondition, ResourceKey, StoredResource};
use crate::service::FhirStore;

/// A stored Subscription, as the matcher and deliverer need it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionInfo {
    pub id: String,
    pub version: i64,
    /// `requested`, `active`, `error` or `off`.
    pub status: String,
    pub criteria: String,
    /// `rest-hook` or `websocket`.
    pub channel: String,
    pub endpoint: Option<String>,
    /// `Some` when the full resource is to be sent.
    pub payload: Option<String>,
    /// `Name: value` lines.
    pub headers: Vec<String>,
    pub end: Option<DateTime<Utc>>,
    pub client_id: Option<String>,
    pub scopes: Vec<String>,
    pub owner_org: Option<String>,
}

fn ext(body: &Value, url: &str) -> Option<String> {
    body.get("extension")?
        .as_array()?
        .iter()
        .find(|e| e.get("url").and_then(Value::as_str) == Some(url))?
        .get("valueString")?
        .as_str()
        .map(str::to_string)
}

impl SubscriptionInfo {
    pub fn from_stored(stored: &StoredResource) -> Option<SubscriptionInfo> {
        let body: Value = serde_json::from_str(&stored.body).ok()?;
        let s = |p: &str| body.pointer(p).and_then(Value::as_str).map(str::to_string);
        Some(SubscriptionInfo {
            id: stored.id.clone(),
            version: stored.version,
            status: s("/status")?,
            criteria: s("/criteria")?,
            channel: s("/channel/type")?,
            endpoint: s("/channel/endpoint"),
            payload: s("/channel/payload"),
            headers: body
                .pointer("/channel/header")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|h| h.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            end: s("/end")
                .and_then(|e| DateTime::parse_from_rfc3339(&e).ok())
                .map(|t| t.with_timezone(&Utc)),
            client_id: ext(&body, CLIENT_EXTENSION),
            scopes: ext(&body, SCOPES_EXTENSION)
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
            owner_org: stored.columns.owner_org.clone(),
        })
    }

    /// The principal the subscription acts as; `None` when it was not stamped (an
    /// imported Subscription), which then never hears anything.
    pub fn owner(&self) -> Option<Principal> {
        Some(Principal::System {
            client_id: self.client_id.clone()?,
            orgnr: self.owner_org.clone()?,
            scopes: self.scopes.clone(),
        })
    }

    /// A context acting as the owner now, for matching and payload reads.
    pub fn owner_context(&self) -> Option<RequestContext> {
        let mut ctx = RequestContext::new(self.owner()?);
        ctx.request_id = format!("subscription-{}", self.id);
        Some(ctx)
    }

    /// Still to hear about changes at `now`.
    pub fn live(&self, now: DateTime<Utc>) -> bool {
        matches!(self.status.as_str(), "requested" | "active") && self.end.is_none_or(|e| e > now)
    }
}

/// The queued events of one subscription, oldest first.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub subscription: SubscriptionInfo,
    pub events: Vec<SubEvent>,
}

/// The context of the server's own bookkeeping (never a client's).
pub(crate) fn internal_context() -> RequestContext {
    let mut ctx = RequestContext::new(Principal::System {
        client_id: "nordlys-subscriptions".into(),
        orgnr: String::new(),
        scopes: Vec::new(),
    });
    ctx.request_id = "subscriptions".into();
    ctx
}

impl FhirStore {
    /// Queued events of live subscriptions, grouped per subscription in queue order.
    /// Events of a subscription that is gone, off, in error or past its end are
    /// dropped here, never delivered.
    pub async fn pending_deliveries(&self, limit: usize) -> StoreResult<Vec<Delivery>> {
        let ctx = internal_context();
        let events = self.backend.subscription_pending(&ctx, limit).await?;
        let mut out: Vec<Delivery> = Vec::new();
        for ev in events {
            if let Some(d) = out
                .iter_mut()
                .find(|d| d.subscription.id == ev.subscription)
            {
                d.events.push(ev);
                continue;
            }
            let key = ResourceKey::new("Subscription", &ev.subscription);
            let info = self
                .backend
                .read_current(&ctx, &key)
                .await?
                .filter(|s| !s.deleted)
                .and_then(|s| SubscriptionInfo::from_stored(&s))
                .filter(|s| s.live(ctx.now));
            match info {
                Some(subscription) => out.push(Delivery {
                    subscription,
                    events: vec![ev],
                }),
                None => {
                    let at = ctx.now.timestamp_millis();
                    self.backend
                        .subscription_settle(&ctx, vec![ev.seq], SubSettle::Dropped(at))
                        .await?;
                }
            }
        }
        Ok(out)
    }

    /// The changed resources of `events` as the owner sees them now (redacted where
    /// the policy says so), by id, in one search as the owner (`_id=`, logged as the
    /// owner's access). An item missing from the answer is not visible to the owner
    /// any more (or gone): its event is not delivered.
    pub async fn subscription_payloads(
        &self,
        sub: &SubscriptionInfo,
        events: &[SubEvent],
    ) -> StoreResult<HashMap<String, StoredResource>> {
        let Some(ctx) = sub.owner_context() else {
            return Ok(HashMap::new());
        };
        let mut out = HashMap::new();
        let mut by_type: HashMap<&str, Vec<&str>> = HashMap::new();
        for e in events {
            by_type
                .entry(e.resource_type.as_str())
                .or_default()
                .push(e.id.as_str());
        }
        for (ty, mut ids) in by_type {
            ids.sort_unstable();
            ids.dedup();
            let pairs = vec![("_id".to_string(), ids.join(","))];
            let mut request = self.parse_search(ty, &pairs, false)?;
            request.count = ids.len();
            for r in self.search(&ctx, &request).await?.matches {
                out.insert(format!("{}/{}", r.resource_type, r.id), r);
            }
        }
        Ok(out)
    }

    /// Records what happened to these queued events (one transaction).
    pub async fn settle_subscription_events(
        &self,
        seqs: Vec<i64>,
        settle: SubSettle,
    ) -> StoreResult<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        self.backend
            .subscription_settle(&internal_context(), seqs, settle)
            .await
    }

    /// Sets `status` (and `error`, or removes it) on the stored Subscription as a new
    /// version; a concurrent write by the client wins (the version is checked).
    pub async fn set_subscription_status(
        &self,
        sub: &SubscriptionInfo,
        status: &str,
        error: Option<&str>,
    ) -> StoreResult<()> {
        let ctx = internal_context();
        let key = ResourceKey::new("Subscription", &sub.id);
        let Some(current) = self.backend.read_current(&ctx, &key).await? else {
            return Ok(());
        };
        if current.deleted || current.version != sub.version {
            return Ok(());
        }
        let mut body: Value = serde_json::from_str(&current.body)
            .map_err(|e| StoreError::Internal(format!("stored Subscription: {e}")))?;
        body["status"] = json!(status);
        match error {
            Some(e) => body["error"] = json!(e),
            None => {
                if let Value::Object(m) = &mut body {
                    m.remove("error");
                }
            }
        }
        let write = crate::interactions::prepare::prepare_write(
            body,
            "Subscription",
            &sub.id,
            current.columns.owner_org.clone(),
            Precondition::VersionIs(current.version),
        )?;
        match self.commit_quietly(&ctx, vec![write], Vec::new()).await {
            Ok(_) | Err(StoreError::PreconditionFailed(_) | StoreError::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The websocket subscription `id` for a listener: read as the listener (so the
    /// gate decides; another organisation gets 404), and bound only by the client
    /// that owns it (403 otherwise).
    pub async fn subscription_for_socket(
        &self,
        ctx: &RequestContext,
        id: &str,
    ) -> StoreResult<SubscriptionInfo> {
        let stored = self.read(ctx, "Subscription", id).await?;
        let info = SubscriptionInfo::from_stored(&stored)
            .ok_or_else(|| StoreError::Internal("stored Subscription unreadable".into()))?;
        let same_client = match &ctx.principal {
            Principal::System { client_id, .. } => info.client_id.as_deref() == Some(client_id),
            _ => false,
        };
        if !same_client {
            return Err(StoreError::Forbidden(
                "only the client that owns a subscription may listen to it".into(),
            ));
        }
        if info.channel != "websocket" {
            return Err(StoreError::BadRequest(
                "this subscription's channel is not websocket".into(),
            ));
        }
        Ok(info)
    }
}
