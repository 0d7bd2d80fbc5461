//! What a delivery service (crates/notify) needs of the outbox: claim ready entries
//! for a while, record a failed attempt with its next try, and record a delivery.
//!
//! Why a claim with a lease and not a plain "ready" list: several deliverers (one per
//! server process) may run on one database, and a deliverer may stop mid-way. A claim
//! moves the entry's `next_attempt` a lease ahead in one statement, so no other
//! deliverer takes it meanwhile; if the claimer dies, the lease runs out and another
//! takes the entry over. An entry is marked delivered only after its send succeeded,
//! so a stop between the send and the mark sends it once more after the lease: at
//! least once at the channel, exactly once in the outbox.
//!
//! Why decide again at each claim: a failed entry can wait hours for its next try, and
//! the rules may change meanwhile (an emergency lock, a withdrawn grant). A claimed
//! entry its person no longer sees is withdrawn, one deferred further rescheduled.
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::decide::notifier_ctx;
use super::{is_marker, OutboxEntry, Settle};
use crate::error::StoreResult;
use crate::service::FhirStore;

impl FhirStore {
    /// Claims up to `limit` ready entries whose next attempt is due at `now` for
    /// `lease`, and returns those the person still sees (the others are withdrawn or
    /// rescheduled here). Send them, then [`FhirStore::mark_delivered`] or
    /// [`FhirStore::delivery_failed`] each before the lease ends.
    pub async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: usize,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let loader = notifier_ctx(now);
        let now_ms = now.timestamp_millis();
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let mut claimed = self
            .backend
            .outbox_claim(&loader, now_ms, now_ms.saturating_add(lease_ms), limit)
            .await?;
        claimed.retain(|e| !is_marker(e));
        claimed.sort_by(|a, b| (a.ready, &a.person, &a.item).cmp(&(b.ready, &b.person, &b.item)));
        let mut out = Vec::with_capacity(claimed.len());
        for (entry, settle) in self.decide_again(now, claimed).await? {
            if matches!(settle, Settle::Ready(_)) {
                out.push(entry);
            } else {
                self.backend
                    .outbox_settle(&loader, &entry.person, &entry.item, settle)
                    .await?;
            }
        }
        Ok(out)
    }

    /// Records a failed attempt (counted) and when to try again; `false` if the entry
    /// is unknown or was delivered meanwhile.
    pub async fn delivery_failed(
        &self,
        person: &str,
        item: &str,
        retry_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let ctx = notifier_ctx(Utc::now());
        self.backend
            .outbox_settle(
                &ctx,
                person,
                item,
                Settle::Retry(retry_at.timestamp_millis()),
            )
            .await
    }
}
