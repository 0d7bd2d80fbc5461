//! Delivery of FHIR R4 Subscription notifications: the loop that runs the store's
//! matcher and sends the queued events, over rest-hook (HTTP to the subscriber's
//! endpoint) or websocket (`ping {id}` to the listeners bound on
//! `/fhir/$subscription-websocket`). Matching and the queue live in the store
//! (`nordlys_store::subscriptions`); this module only speaks HTTP and websockets.
//!
//! Why one loop for both stages: the matcher and the deliverer are both short steps
//! over durable tables; one task woken by every commit (and at least every
//! `interval`) keeps the latency from commit to delivery low without a busy poll.
//! Events of one subscription go out strictly in order: a failing event holds back
//! the ones behind it, retried with exponential backoff, until `max_attempts` puts
//! the subscription in `error`.
mod guard;
mod hook;
pub mod hub;
pub mod socket;

use std::sync::Arc;
use std::time::Duration;

use nordlys_store::subscriptions::{Delivery, MatchState, SubSettle};
use nordlys_store::{FhirStore, StoreResult};
use tokio::task::JoinHandle;

pub use hub::Hub;

/// Settings of the delivery loop.
#[derive(Debug, Clone)]
pub struct SubscriptionConfig {
    /// Longest sleep between steps when nothing is committed.
    pub interval: Duration,
    /// First retry delay; doubled per failed attempt.
    pub backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
    /// Failed attempts of one event before the subscription goes to `error`.
    pub max_attempts: i64,
    /// Time allowed for one rest-hook request.
    pub timeout: Duration,
}

impl Default for SubscriptionConfig {
    fn default() -> Self {
        SubscriptionConfig {
            interval: Duration::from_secs(1),
            backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(600),
            max_attempts: 8,
            timeout: Duration::from_secs(10),
        }
    }
}

/// What one attempt came to.
pub(crate) enum Attempt {
    Delivered,
    /// The owner may no longer see the item: never announced.
    NotVisible,
    /// Nobody listens (websocket): kept queued, not counted as a failure.
    NoListener,
    Failed(String),
}

/// Starts the loop. The matcher's cursor is set before this returns, so every write
/// committed after it is matched. Fails (nothing started) when the rest-hook client
/// cannot be built.
pub async fn spawn(
    store: FhirStore,
    hub: Arc<Hub>,
    config: SubscriptionConfig,
) -> StoreResult<JoinHandle<()>> {
    let http = guard::client(store.subscription_endpoints(), config.timeout).map_err(|e| {
        tracing::error!(error = %e, "cannot build the rest-hook client; subscription delivery not started");
        nordlys_store::StoreError::Internal("cannot build the rest-hook client".into())
    })?;
    store.subscription_cursor().await?;
    let wake = store.committed();
    Ok(tokio::spawn(async move {
        let mut state = MatchState::default();
        loop {
            if let Err(e) = step(&store, &hub, &http, &config, &mut state).await {
                tracing::warn!(error = %e, "subscription step failed; retrying");
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = hub.bound() => {}
                _ = tokio::time::sleep(config.interval) => {}
            }
        }
    }))
}

/// One match and one delivery round; returns the events delivered. Public for the
/// bench.
pub async fn step(
    store: &FhirStore,
    hub: &Arc<Hub>,
    http: &reqwest::Client,
    config: &SubscriptionConfig,
    state: &mut MatchState,
) -> StoreResult<usize> {
    // One batch of the feed, then delivery: under a steady write load events go out
    // while later changes are still being matched (the loop runs again at once, as
    // every commit leaves a wake-up).
    // A long backlog (a bulk import) is read a few batches at a time.
    for _ in 0..8 {
        if store.match_subscriptions(state).await? < nordlys_store::subscriptions::matcher::BATCH {
            break;
        }
    }
    let deliveries = store.pending_deliveries(1000).await?;
    // Subscriptions are independent: sent concurrently across subscriptions, in order
    // within one.
    let mut set = tokio::task::JoinSet::new();
    for d in deliveries {
        let (store, hub, http, config) = (store.clone(), hub.clone(), http.clone(), config.clone());
        set.spawn(async move { deliver(&store, &hub, &http, &config, d).await });
    }
    let mut n = 0;
    while let Some(r) = set.join_next().await {
        match r {
            Ok(sent) => n += sent?,
            Err(e) => tracing::warn!(error = %e, "subscription delivery task failed"),
        }
    }
    Ok(n)
}

/// Sends one subscription's due events in order; stops at the first that fails.
/// The items are read once for the whole batch (one search as the owner) and the
/// outcomes recorded in one transaction each.
async fn deliver(
    store: &FhirStore,
    hub: &Hub,
    http: &reqwest::Client,
    config: &SubscriptionConfig,
    d: Delivery,
) -> StoreResult<usize> {
    let sub = &d.subscription;
    let now = chrono::Utc::now().timestamp_millis();
    let due: Vec<_> = d
        .events
        .iter()
        .take_while(|e| e.next_attempt <= now)
        .cloned()
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let payloads = store.subscription_payloads(sub, &due).await?;
    let (mut delivered, mut dropped) = (Vec::new(), Vec::new());
    let mut failure = None;
    for (i, ev) in due.iter().enumerate() {
        let key = format!("{}/{}", ev.resource_type, ev.id);
        let attempt = match payloads.get(&key) {
            None => Attempt::NotVisible,
            Some(resource) => match sub.channel.as_str() {
                "rest-hook" => {
                    hook::send(http, store.subscription_endpoints(), sub, ev, resource).await
                }
                "websocket" => hub.ping(&sub.id),
                other => Attempt::Failed(format!("channel {other} is not offered")),
            },
        };
        match attempt {
            Attempt::Delivered => delivered.push(ev.seq),
            Attempt::NotVisible => dropped.push(ev.seq),
            Attempt::NoListener => break,
            Attempt::Failed(why) => {
                failure = Some((i, why));
                break;
            }
        }
    }
    let sent = delivered.len();
    let done = chrono::Utc::now().timestamp_millis();
    store
        .settle_subscription_events(delivered, SubSettle::Delivered(done))
        .await?;
    store
        .settle_subscription_events(dropped, SubSettle::Dropped(done))
        .await?;
    let Some((i, why)) = failure else {
        return Ok(sent);
    };
    let ev = &due[i];
    let attempts = ev.attempts + 1;
    if attempts >= config.max_attempts {
        tracing::warn!(subscription = %sub.id, attempts, "subscription delivery failed; status error");
        let text = format!("delivery failed {attempts} times; last: {why}");
        store
            .set_subscription_status(sub, "error", Some(&text))
            .await?;
        let rest: Vec<i64> = d
            .events
            .iter()
            .skip_while(|e| e.seq != ev.seq)
            .map(|e| e.seq)
            .collect();
        store
            .settle_subscription_events(rest, SubSettle::Dropped(done))
            .await?;
    } else {
        let factor = 1u32 << u32::try_from(attempts - 1).unwrap_or(16).min(16);
        let delay = config
            .backoff
            .saturating_mul(factor)
            .min(config.max_backoff);
        let next = done + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
        tracing::info!(subscription = %sub.id, attempts, "subscription delivery failed; retrying");
        store
            .settle_subscription_events(vec![ev.seq], SubSettle::Retry(next))
            .await?;
    }
    Ok(sent)
}
