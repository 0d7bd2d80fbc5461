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
/// committed after it is matched.
pub async fn spawn(
    store: FhirStore,
    hub: Arc<Hub>,
    config: SubscriptionConfig,
) -> StoreResult<JoinHandle<()>> {
    store.subscription_cursor().await?;
    let http = reqwest::Client::builder()
        .timeout(config.timeout)
        .build()
        .unwrap_or_default();
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
    // Match until the feed is drained, so a burst is queued before delivery starts.
    while store.match_subscriptions(state).await? > 0 {}
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
async fn deliver(
    store: &FhirStore,
    hub: &Hub,
    http: &reqwest::Client,
    config: &SubscriptionConfig,
    d: Delivery,
) -> StoreResult<usize> {
    let mut sent = 0;
    let sub = &d.subscription;
    for (i, ev) in d.events.iter().enumerate() {
        let now = chrono::Utc::now().timestamp_millis();
        if ev.next_attempt > now {
            break;
        }
        let attempt = match store.subscription_payload(sub, ev).await? {
            None => Attempt::NotVisible,
            Some(resource) => match sub.channel.as_str() {
                "rest-hook" => hook::send(http, sub, ev, &resource).await,
                "websocket" => hub.ping(&sub.id),
                other => Attempt::Failed(format!("channel {other} is not offered")),
            },
        };
        match attempt {
            Attempt::Delivered => {
                store
                    .settle_subscription_event(ev.seq, SubSettle::Delivered(now))
                    .await?;
                sent += 1;
            }
            Attempt::NotVisible => {
                store
                    .settle_subscription_event(ev.seq, SubSettle::Dropped(now))
                    .await?;
            }
            Attempt::NoListener => break,
            Attempt::Failed(why) => {
                let attempts = ev.attempts + 1;
                if attempts >= config.max_attempts {
                    tracing::warn!(subscription = %sub.id, attempts, "subscription delivery failed; status error");
                    let text = format!("delivery failed {attempts} times; last: {why}");
                    store
                        .set_subscription_status(sub, "error", Some(&text))
                        .await?;
                    for rest in &d.events[i..] {
                        store
                            .settle_subscription_event(rest.seq, SubSettle::Dropped(now))
                            .await?;
                    }
                } else {
                    let factor = 1u32 << u32::try_from(attempts - 1).unwrap_or(16).min(16);
                    let delay = config
                        .backoff
                        .saturating_mul(factor)
                        .min(config.max_backoff);
                    let next = now + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
                    tracing::info!(subscription = %sub.id, attempts, "subscription delivery failed; retrying");
                    store
                        .settle_subscription_event(ev.seq, SubSettle::Retry(next))
                        .await?;
                }
                break;
            }
        }
    }
    Ok(sent)
}
