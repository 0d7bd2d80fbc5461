//! The scheduler: entries fall due on their own (a deferred item's entry was written
//! with the instant it opens), but the rules may change before then — a lockdown, an
//! emergency lock, a withdrawn grant. So each due entry is decided again at the time
//! it falls due, with the current rules: visible → ready for delivery; hidden only by
//! a longer deferral → due later; hidden otherwise → withdrawn, never delivered.
//!
//! Why in the store and not a separate job: it must decide with the same gate as
//! reads, and the store is what every server process has. Several servers on one
//! PostgreSQL database may run it at once: every step is idempotent.
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use nordlys_policy::{Level, Principal};

use super::decide::{citizen_ctx, notifier_ctx};
use super::{OutboxEntry, Settle};
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::interactions::letters::{receipt_id, receipt_is_read, receipt_of};
use crate::model::ResourceKey;
use crate::service::FhirStore;

/// Entries decided per scheduler round.
const ROUND: usize = 500;

impl FhirStore {
    /// Due, undelivered entries (at most `limit`, earliest first), each decided again
    /// with the rules at `now`: returns those still visible, marked ready; entries no
    /// longer visible are withdrawn, those deferred further are rescheduled.
    pub async fn due_notifications(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let loader = notifier_ctx(now);
        let now_ms = now.timestamp_millis();
        let (markers, due): (Vec<OutboxEntry>, Vec<OutboxEntry>) = self
            .backend
            .outbox_due(&loader, now_ms, limit)
            .await?
            .into_iter()
            .partition(super::is_marker);
        // A marker still due: the follow-up after its commit did not finish. Run it
        // for the whole patient (idempotent: existing entries are kept once).
        for m in &markers {
            self.follow_up(now, super::decide::FollowUp::patient(&m.patient_id))
                .await?;
            self.settle_markers(now, std::slice::from_ref(m)).await;
        }
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let mut ready = Vec::new();
        for (mut entry, settle) in self.decide_again(now, due).await? {
            self.backend
                .outbox_settle(&loader, &entry.person, &entry.item, settle)
                .await?;
            if let Settle::Ready(at) = settle {
                entry.ready = Some(at);
                ready.push(entry);
            }
        }
        Ok(ready)
    }

    /// What each entry's item calls for at `now`, decided as its person with the
    /// current rules: visible → `Ready`, hidden only by a longer deferral →
    /// `Reschedule`, hidden otherwise or deleted → `Withdrawn`. Records nothing.
    pub(super) async fn decide_again(
        &self,
        now: DateTime<Utc>,
        entries: Vec<OutboxEntry>,
    ) -> StoreResult<Vec<(OutboxEntry, Settle)>> {
        let loader = notifier_ctx(now);
        let now_ms = now.timestamp_millis();
        // A reminder is decided on its letter, and withdrawn once the letter is read.
        let mut keys: Vec<ResourceKey> = entries
            .iter()
            .filter_map(|e| super::reminder::base_item(&e.item).split_once('/'))
            .map(|(t, id)| ResourceKey::new(t, id))
            .collect();
        keys.extend(
            entries
                .iter()
                .filter_map(|e| super::reminder::letter_of(&e.item))
                .filter_map(|l| l.strip_prefix("DocumentReference/"))
                .map(|id| ResourceKey::new("Task", receipt_id(id))),
        );
        let mut read_letters = HashSet::new();
        let mut current: HashMap<String, _> = HashMap::new();
        let mut receipts = Vec::new();
        for s in self.backend.read_many(&loader, &keys).await? {
            if s.resource_type == "Task" && receipt_is_read(&s) {
                receipts.push(s.clone());
            }
            current.insert(format!("{}/{}", s.resource_type, s.id), s.columns);
        }
        // A receipt counts only as the letter's unit's own `letter-read` Task, so no
        // one silences a reminder by writing a Task under the id.
        for s in receipts {
            let Some(letter) = s.id.strip_prefix("letter-read-") else {
                continue;
            };
            let item = format!("DocumentReference/{letter}");
            let owner = current
                .get(&item)
                .and_then(|c: &crate::model::ItemColumns| c.owner_org.clone());
            if receipt_of(&s, owner.as_deref()) {
                read_letters.insert(item);
            } else {
                tracing::warn!(task = %s.id, "a Task under a letter receipt's id is not the unit's receipt; ignored");
            }
        }
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            if super::is_emergency_item(&entry.item) {
                // Not an item: the patient is always told that emergency access happened.
                out.push((entry, Settle::Ready(now_ms)));
                continue;
            }
            let base = super::reminder::base_item(&entry.item);
            if super::reminder::letter_of(&entry.item).is_some() && read_letters.contains(base) {
                out.push((entry, Settle::Withdrawn(now_ms)));
                continue;
            }
            let settle = match current.get(base) {
                // Deleted since: nothing to tell.
                None => Settle::Withdrawn(now_ms),
                Some(columns) => {
                    let ctx = citizen_ctx(&entry.person, now);
                    let gate = self.gate(&ctx, [columns]).await?;
                    let (decision, opens, _) = gate.explain(columns);
                    match (decision.level, decision.reason.opens_at(), opens) {
                        (Level::Metadata | Level::Full, _, _) => Settle::Ready(now_ms),
                        (Level::None, Some(_), Some(t)) => Settle::Reschedule(t.timestamp_millis()),
                        _ => Settle::Withdrawn(now_ms),
                    }
                }
            };
            out.push((entry, settle));
        }
        Ok(out)
    }

    /// Records a delivery; `false` if the entry is unknown or was delivered before.
    pub async fn mark_delivered(
        &self,
        person: &str,
        item: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let ctx = notifier_ctx(at);
        self.backend
            .outbox_settle(&ctx, person, item, Settle::Delivered(at.timestamp_millis()))
            .await
    }

    /// Every outbox entry about a patient's items (operators and tests; never a citizen,
    /// whose portal lists notifications through its own decided view).
    pub async fn outbox_of_patient(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
    ) -> StoreResult<Vec<OutboxEntry>> {
        if matches!(ctx.principal, Principal::Citizen { .. }) {
            return Err(StoreError::Forbidden(
                "the outbox is for operators; a citizen sees notifications in the portal".into(),
            ));
        }
        let mut entries = self.backend.outbox_of_patient(ctx, patient_id).await?;
        entries.retain(|e| !super::is_marker(e));
        Ok(entries)
    }

    /// Starts the scheduler on the current tokio runtime: every `interval`, due
    /// entries are decided again (rounds of up to 500 until none is left).
    pub fn spawn_scheduler(&self, interval: Duration) -> tokio::task::JoinHandle<()> {
        let store = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                loop {
                    match store.due_notifications(Utc::now(), ROUND).await {
                        Ok(ready) if ready.len() == ROUND => continue,
                        Ok(ready) => {
                            if !ready.is_empty() {
                                tracing::info!(ready = ready.len(), "notifications ready");
                            }
                            break;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "notification scheduler round failed");
                            break;
                        }
                    }
                }
            }
        })
    }
}
