//! The delivery loop: every interval, due entries are decided again (the store's
//! scheduler step), ready ones are claimed, sent, and marked delivered — or, when no
//! channel took them, retried later with exponential backoff.
//!
//! The channel rule: a person is told on each configured channel they have an address
//! for — the best-ranked e-mail address (telecom `rank`, 1 first) by SMTP, the
//! best-ranked mobile number by the SMS gateway — in the language of their record
//! (`communication`, Bokmål if none). An entry is delivered as soon as one channel
//! accepted it; a failure on another channel is logged, not retried, so no channel
//! gets the same news twice. A citizen's own choice in the portal's settings
//! (`FhirStore::channels_of`: e-mail on/off, SMS on/off) narrows this rule: a channel
//! turned off is not used; with both off the entry waits like one for a person with
//! no address, and the news is seen at the next login.
//!
//! Exactly once: the outbox holds one entry per person and item, and it is marked
//! delivered only after a send succeeded. A stop between the send and the mark sends
//! once more when the claim's lease ends — at least once at the channel, exactly once
//! in the outbox. Concurrent deliverers never send the same entry within a lease.
//! Logs name items and counts, never a person's id or address.
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use nordlys_store::{FhirStore, OutboxEntry, StoreResult};

use crate::channel::{Channel, ChannelKind, Message};
use crate::texts::{compose, Lang};

/// Exponential backoff: `first`, doubled per failed attempt, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The wait after the attempt that made `attempts` failures in all.
    pub fn after(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.first
            .checked_mul(1u32 << doublings)
            .map_or(self.max, |d| d.min(self.max))
    }
}

/// How the deliverer runs.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// The portal's address, given in every message.
    pub portal_url: String,
    /// How often the loop looks for work.
    pub interval: Duration,
    /// Waits between failed attempts.
    pub backoff: Backoff,
    /// How long a claimed entry is kept from other deliverers (longer than a send).
    pub lease: Duration,
    /// Entries per claim.
    pub batch: usize,
}

impl DeliveryConfig {
    /// Production defaults: every 10 s; retries after 30 s, 1 min, 2 min, … up to 6 h.
    pub fn new(portal_url: &str) -> DeliveryConfig {
        DeliveryConfig {
            portal_url: portal_url.to_string(),
            interval: Duration::from_secs(10),
            backoff: Backoff {
                first: Duration::from_secs(30),
                max: Duration::from_secs(6 * 3600),
            },
            lease: Duration::from_secs(300),
            batch: 100,
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Entries marked delivered.
    pub delivered: usize,
    /// Entries whose every channel failed (retried later).
    pub failed: usize,
    /// Entries for a person with no address on a configured channel (retried later).
    pub unreachable: usize,
}

/// Sends the outbox through its channels.
#[derive(Clone)]
pub struct Deliverer {
    store: FhirStore,
    channels: Vec<Arc<dyn Channel>>,
    config: DeliveryConfig,
}

impl Deliverer {
    /// A deliverer with no channel yet.
    pub fn new(store: FhirStore, config: DeliveryConfig) -> Deliverer {
        Deliverer {
            store,
            channels: Vec::new(),
            config,
        }
    }

    /// Adds a channel (at most one per kind is used: the first).
    pub fn with_channel(mut self, channel: Arc<dyn Channel>) -> Deliverer {
        self.channels.push(channel);
        self
    }

    /// One round at `now`: decide due entries, then send every claimable one.
    pub async fn run_once(&self, now: DateTime<Utc>) -> StoreResult<RoundReport> {
        let batch = self.config.batch.max(1);
        while self.store.due_notifications(now, batch).await?.len() == batch {}
        let mut report = RoundReport::default();
        loop {
            let claimed = self
                .store
                .claim_deliveries(now, self.config.lease, batch)
                .await?;
            let full = claimed.len() == batch;
            let claimed_at = std::time::Instant::now();
            for entry in claimed {
                // Slow channels must not outlive the claim, or another deliverer could
                // take the same entries: past half the lease the rest waits for it to end.
                if claimed_at.elapsed() > self.config.lease / 2 {
                    tracing::warn!(
                        "delivery is slow: the rest of this batch waits for its lease to end"
                    );
                    return Ok(report);
                }
                self.deliver(&entry, now, &mut report).await?;
            }
            if !full {
                return Ok(report);
            }
        }
    }

    /// Sends one claimed entry and records the outcome.
    async fn deliver(
        &self,
        entry: &OutboxEntry,
        now: DateTime<Utc>,
        report: &mut RoundReport,
    ) -> StoreResult<()> {
        let contact = self
            .store
            .contact_of(&entry.person, now)
            .await?
            .unwrap_or_default();
        // The person's own choice in the portal's settings narrows the channel rule.
        let allowed = self.store.channels_of(&entry.person).await?;
        let texts = compose(
            &entry.kind,
            Lang::from_code(contact.language.as_deref()),
            &self.config.portal_url,
        );
        let mut tried = 0;
        let mut sent = false;
        for kind in [ChannelKind::Email, ChannelKind::Sms] {
            let Some(channel) = self.channels.iter().find(|c| c.kind() == kind) else {
                continue;
            };
            let (address, text) = match kind {
                ChannelKind::Email if allowed.email => (contact.emails.first(), &texts.email),
                ChannelKind::Sms if allowed.sms => (contact.mobiles.first(), &texts.sms),
                _ => continue,
            };
            let Some(address) = address else { continue };
            tried += 1;
            let message = Message {
                to: address.clone(),
                subject: texts.subject.clone(),
                text: text.clone(),
            };
            match channel.send(&message).await {
                Ok(()) => sent = true,
                Err(e) => {
                    tracing::warn!(item = %entry.item, channel = ?kind, attempt = entry.attempts + 1, error = %e, "notification not sent");
                }
            }
        }
        if sent {
            self.store
                .mark_delivered(&entry.person, &entry.item, now)
                .await?;
            report.delivered += 1;
            return Ok(());
        }
        let wait = if tried == 0 {
            // Nothing to try: look again after the longest wait, when the person's
            // record may have an address.
            report.unreachable += 1;
            self.config.backoff.max
        } else {
            report.failed += 1;
            self.config.backoff.after(entry.attempts + 1)
        };
        let retry_at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(6));
        self.store
            .delivery_failed(&entry.person, &entry.item, retry_at)
            .await?;
        Ok(())
    }

    /// Runs rounds every `interval` on the current tokio runtime until aborted.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(self.config.interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match self.run_once(Utc::now()).await {
                    Ok(r) if r == RoundReport::default() => {}
                    Ok(r) => tracing::info!(
                        delivered = r.delivered,
                        failed = r.failed,
                        unreachable = r.unreachable,
                        "notification round"
                    ),
                    Err(e) => tracing::warn!(error = %e, "notification delivery round failed"),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = Backoff {
            first: Duration::from_secs(30),
            max: Duration::from_secs(300),
        };
        let waits: Vec<u64> = (1..=6).map(|n| b.after(n).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 300, 300]);
        assert_eq!(b.after(1000).as_secs(), 300);
    }
}
