//! FHIR R4 Subscriptions: a record system hears about every committed change it may
//! see, without polling (docs/subscriptions.md).
//!
//! Why built on the change feed and not on a hook in each write: every committed
//! version of every resource already lands in `resource_versions` with a growing
//! sequence number, in the same transaction as the write, whichever path wrote it
//! (create/update/delete, transaction, booking, the other dedicated operations,
//! import). Reading that feed behind a durable cursor therefore cannot miss a write
//! and needs nothing from the services: a crash between the commit and the matcher
//! only delays the match. The matcher turns changes into durable per-subscription
//! events (`subscription_events`), committed together with the cursor move, and the
//! deliverer sends them in order, at least once, with backoff.
//!
//! Why match by running the criteria as the subscription's owner: the owner (the
//! system client that created it) must hear only about items the policy lets it see.
//! The criteria plus `_id=` of the changed items go through the normal search and
//! gate, so the policy stays the one place that decides.
mod criteria;
pub mod delivery;
pub mod endpoint;
pub mod matcher;
mod owner;

pub use criteria::parse_criteria;
pub use delivery::{Delivery, SubscriptionInfo};
pub use endpoint::{check_endpoint, EndpointRule};
pub use matcher::MatchState;
pub use owner::{CLIENT_EXTENSION, LEASE_HOURS, SCOPES_EXTENSION};

/// One committed version, as read from the change feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Position in the feed (`resource_versions.seq`).
    pub seq: i64,
    pub resource_type: String,
    pub id: String,
    pub version: i64,
}

/// One notification owed to one subscription, as queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubEvent {
    /// Queue position (assigned by the backend; 0 before insertion). Events of a
    /// subscription are delivered in this order.
    pub seq: i64,
    /// Logical id of the Subscription.
    pub subscription: String,
    pub resource_type: String,
    pub id: String,
    pub version: i64,
    /// Milliseconds since the epoch.
    pub created: i64,
    pub attempts: i64,
    /// Not to be tried before this instant (ms).
    pub next_attempt: i64,
}

/// What happened to one queued event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubSettle {
    /// Accepted by the receiver at this instant.
    Delivered(i64),
    /// Failed; try again at this instant (counts one attempt).
    Retry(i64),
    /// Never to be delivered (subscription off/error, or the item no longer visible).
    Dropped(i64),
}

/// Types whose changes are never matched: the access log (written on every read; a
/// subscription on it would feed itself) and Subscriptions themselves (their status
/// changes are the server's own bookkeeping).
pub fn never_matched(resource_type: &str) -> bool {
    matches!(resource_type, "AuditEvent" | "Subscription")
}
