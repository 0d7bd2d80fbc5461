//! The matcher: reads the change feed behind a durable cursor and queues an event for
//! each live subscription whose criteria, run as its owner, find the changed item.
//!
//! Why the cursor moves in the same transaction as the queued events: a crash before
//! it re-reads the same changes, and the queue's unique key (subscription, type, id,
//! version) makes that idempotent — no event lost, none doubled.
//!
//! Why gaps are waited for: on PostgreSQL a sequence number is taken when a version is
//! inserted, not when its transaction commits, so a later number can become visible
//! before an earlier one, and a transaction may stay open for as long as it likes.
//! The matcher stops before a gap and passes it only once the backend says every
//! transaction that could hold a number in it has ended
//! ([`crate::backend::Backend::changes_settled`]; the age of a gap proves nothing).
//! A gap still open then was a rolled-back write. SQLite has one writer and never
//! shows a gap. A gap waited for longer than [`GAP_WARN`] is logged (an open
//! transaction is holding every subscription back).
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::delivery::{internal_context, SubscriptionInfo};
use super::{never_matched, parse_criteria, Change, SubEvent};
use crate::error::StoreResult;
use crate::model::ResourceKey;
use crate::service::FhirStore;

/// How long a gap may stay open before the matcher logs that it is waiting.
pub const GAP_WARN: Duration = Duration::from_secs(60);
/// How often a batch without events stores the cursor.
const CURSOR_EVERY: Duration = Duration::from_secs(5);
/// Changes read per step.
pub const BATCH: usize = 500;

/// What the matcher remembers between steps (only the gaps it is waiting for; the
/// cursor itself is stored).
#[derive(Debug, Default)]
pub struct MatchState {
    gaps: HashMap<i64, Instant>,
    /// The stored cursor as last read or written by this matcher.
    cursor: Option<i64>,
    /// When the cursor was last stored.
    stored_at: Option<Instant>,
}

impl FhirStore {
    /// The matcher's cursor, set to the end of the feed the first time (a new
    /// installation does not announce its history). `serve` calls it before it
    /// accepts writes, so every write after the start is matched.
    pub async fn subscription_cursor(&self) -> StoreResult<i64> {
        self.backend.subscription_cursor(&internal_context()).await
    }

    /// One step: activates requested subscriptions, turns ended ones off, matches the
    /// next changes (at most [`BATCH`]) and queues their events. Returns the number
    /// of changes consumed.
    pub async fn match_subscriptions(&self, state: &mut MatchState) -> StoreResult<usize> {
        let ctx = internal_context();
        let subs = self.live_subscriptions().await?;
        let cursor = match state.cursor {
            Some(c) => c,
            None => self.backend.subscription_cursor(&ctx).await?,
        };
        state.cursor = Some(cursor);
        // Settled first, then the feed: what was settled then is all visible now.
        let settled = self.backend.changes_settled(&ctx).await?;
        let changes = self.backend.changes_after(&ctx, cursor, BATCH).await?;
        let taken = contiguous(cursor, changes, settled, &mut state.gaps);
        let Some(last) = taken.last().map(|c| c.seq) else {
            return Ok(0);
        };
        let mut events = Vec::new();
        for sub in &subs {
            events.extend(
                self.subscription_matches(sub, &taken, chrono::Utc::now())
                    .await?,
            );
        }
        let n = taken.len();
        // A batch without events moves the stored cursor at most every
        // CURSOR_EVERY (most changes are access-log entries no one subscribes to;
        // a write per batch would double the writer's load). After a crash the
        // matcher reads those changes again, which queues nothing twice.
        let recent = state.stored_at.is_some_and(|t| t.elapsed() < CURSOR_EVERY);
        if !events.is_empty() || !recent {
            self.backend
                .subscription_enqueue(&ctx, events, last)
                .await?;
            state.stored_at = Some(Instant::now());
        }
        state.cursor = Some(last);
        Ok(n)
    }

    /// Live subscriptions; requested ones become active (their criteria still parse
    /// and they have an owner), ended ones `off`, broken ones `error`.
    async fn live_subscriptions(&self) -> StoreResult<Vec<SubscriptionInfo>> {
        let ctx = internal_context();
        let pairs = vec![("status".to_string(), "requested,active".to_string())];
        let request = self.parse_search("Subscription", &pairs, false)?;
        let hits = self.backend.search(&ctx, &request.plan).await?;
        let keys: Vec<ResourceKey> = hits.into_iter().map(|h| h.key).collect();
        let mut out = Vec::new();
        for stored in self.backend.read_many(&ctx, &keys).await? {
            let Some(info) = SubscriptionInfo::from_stored(&stored) else {
                continue;
            };
            if !info.live(ctx.now) {
                self.set_subscription_status(&info, "off", Some("the subscription ended"))
                    .await?;
                continue;
            }
            if info.owner().is_none() || parse_criteria(&self.config, &info.criteria).is_err() {
                self.set_subscription_status(
                    &info,
                    "error",
                    Some("the subscription has no owner or no valid criteria"),
                )
                .await?;
                continue;
            }
            if info.status == "requested" {
                self.set_subscription_status(&info, "active", None).await?;
            }
            out.push(info);
        }
        Ok(out)
    }

    /// Events for one subscription: its criteria plus `_id=` the changed items of its
    /// type, searched as its owner at `now` through the gate. Public so the leak test
    /// can run exactly this path for every principal and item.
    pub async fn subscription_matches(
        &self,
        sub: &SubscriptionInfo,
        changes: &[Change],
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Vec<SubEvent>> {
        let (ty, mut pairs) = match parse_criteria(&self.config, &sub.criteria) {
            Ok(c) => c,
            Err(_) => return Ok(Vec::new()),
        };
        let mut ids: Vec<&str> = changes
            .iter()
            .filter(|c| c.resource_type == ty && !never_matched(&c.resource_type))
            .map(|c| c.id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let Some(mut ctx) = sub.owner_context() else {
            return Ok(Vec::new());
        };
        ctx.now = now;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        pairs.push(("_id".into(), ids.join(",")));
        let mut request = self.parse_search(&ty, &pairs, false)?;
        request.count = ids.len();
        let found: HashSet<String> = self
            .search(&ctx, &request)
            .await?
            .matches
            .into_iter()
            .map(|m| m.id)
            .collect();
        let now = ctx.now.timestamp_millis();
        Ok(changes
            .iter()
            .filter(|c| c.resource_type == ty && found.contains(&c.id))
            .map(|c| SubEvent {
                seq: 0,
                subscription: sub.id.clone(),
                resource_type: c.resource_type.clone(),
                id: c.id.clone(),
                version: c.version,
                created: now,
                attempts: 0,
                next_attempt: now,
            })
            .collect())
    }
}

/// The changes that follow `cursor` without a gap, or past a gap that is settled
/// (every number in it at or below `settled`; `None`: the backend shows no gaps).
fn contiguous(
    cursor: i64,
    changes: Vec<Change>,
    settled: Option<i64>,
    gaps: &mut HashMap<i64, Instant>,
) -> Vec<Change> {
    let mut expected = cursor + 1;
    let mut out = Vec::new();
    for c in changes {
        if c.seq != expected && settled.is_some_and(|s| c.seq - 1 > s) {
            let first = *gaps.entry(expected).or_insert_with(Instant::now);
            if first.elapsed() > GAP_WARN {
                tracing::warn!(
                    seq = expected,
                    waited_s = first.elapsed().as_secs(),
                    "subscriptions wait for an open transaction"
                );
            }
            break;
        }
        gaps.remove(&expected);
        expected = c.seq + 1;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(seq: i64) -> Change {
        Change {
            seq,
            resource_type: "Task".into(),
            id: format!("t{seq}"),
            version: 1,
        }
    }

    #[test]
    fn waits_for_a_gap_however_old_until_it_is_settled() {
        let mut gaps = HashMap::new();
        // 7 is missing and not settled (its transaction may still commit).
        let got = contiguous(4, vec![ch(5), ch(6), ch(8)], Some(6), &mut gaps);
        assert_eq!(got.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![5, 6]);
        assert!(gaps.contains_key(&7));
        // Age does not pass it (the old 10 s rule would have).
        gaps.insert(7, Instant::now() - Duration::from_secs(3600));
        let got = contiguous(6, vec![ch(8), ch(9)], Some(6), &mut gaps);
        assert!(got.is_empty());
        // Its transaction committed late: 7 shows up and is taken in order.
        let got = contiguous(6, vec![ch(7), ch(8), ch(9)], Some(7), &mut gaps);
        assert_eq!(got.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![7, 8, 9]);
        assert!(gaps.is_empty());
    }

    #[test]
    fn passes_a_settled_gap_at_once() {
        let mut gaps = HashMap::new();
        // 7 settled and absent: rolled back.
        let got = contiguous(6, vec![ch(8), ch(10)], Some(8), &mut gaps);
        assert_eq!(got.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![8]);
        // No gaps possible (SQLite): nothing waits.
        let got = contiguous(6, vec![ch(8), ch(10)], None, &mut gaps);
        assert_eq!(got.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![8, 10]);
    }
}
