//! The notification outbox (access-policy.md § 11): when an item first becomes
//! visible to a person — at creation, when a deferral ends, when a grant opens it —
//! exactly one entry per (person, item) is queued, carrying no clinical content.
//!
//! Why an outbox table and not a message bus: the entry must exist if and only if the
//! write that caused it committed, so item writes commit their entries in the same
//! transaction ([`crate::Backend::commit_with_outbox`]); and "exactly once" is a
//! database fact, `UNIQUE (person, item)` with `ON CONFLICT`, not a promise of a
//! broker. Delivery (e-mail/SMS) reads the outbox later and marks entries delivered.
//!
//! Why decide with the read gate: who is told about an item is who may see it. Each
//! candidate (the patient's national ids, its RelatedPersons', the actors of its
//! grants) is decided as a citizen at level high through the same
//! [`crate::access::AccessGate`] a read uses. An item hidden only by a deferral gets an
//! entry due when it opens (`nordlys_policy::opens_at`); the scheduler re-decides each
//! entry when it falls due, because rules may change in between ([`scheduler`]).
mod contact;
pub(crate) mod decide;
pub mod delivery;
mod emergency;
pub mod preferences;
pub mod reminder;
pub mod scheduler;

pub use contact::Contact;

pub use decide::{is_marker, FOLLOW_UP_PERSON};
pub use emergency::{is_emergency_item, EMERGENCY_KIND};
pub use preferences::Channels;
pub use reminder::REMINDER_KIND;

/// Whether an entry queued with a commit is kept, given the items (`Type/id`) the
/// commit changed: a notification only if its item changed (an unchanged re-write is
/// no news), a follow-up marker if anything changed. Both backends apply this.
pub fn keep_with_commit(entry: &OutboxEntry, changed: &std::collections::HashSet<String>) -> bool {
    if is_marker(entry) {
        !changed.is_empty()
    } else {
        // A letter's reminder is queued with the letter (notify::reminder).
        changed.contains(reminder::base_item(&entry.item))
    }
}

use nordlys_policy::Category;

/// One queued notification: whom, about which item, when it may be delivered.
/// Times are milliseconds since the epoch (UTC), as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The citizen's national id (fødselsnummer or D-nummer).
    pub person: String,
    /// `Type/id` of the item.
    pub item: String,
    /// Logical id of the item's patient.
    pub patient_id: String,
    /// What kind of news, by category only (`new-document`, `new-result`, …).
    pub kind: String,
    /// When it may be delivered (now, or when a deferral ends).
    pub due: i64,
    pub created: i64,
    /// Set by the delivery service once sent.
    pub delivered: Option<i64>,
    /// Set by the scheduler when a due entry was re-decided visible.
    pub ready: Option<i64>,
    /// Set by the scheduler when a due entry was no longer visible (never delivered).
    pub withdrawn: Option<i64>,
    /// Delivery attempts.
    pub attempts: i64,
    /// When a deliverer may next try a ready entry: a claim sets it a lease ahead (so
    /// no other deliverer takes the entry meanwhile), a failed attempt sets the backoff.
    pub next_attempt: Option<i64>,
}

impl OutboxEntry {
    /// A new, undelivered entry.
    pub fn new(
        person: &str,
        item: &str,
        patient_id: &str,
        kind: &str,
        due: i64,
        created: i64,
    ) -> Self {
        OutboxEntry {
            person: person.to_string(),
            item: item.to_string(),
            patient_id: patient_id.to_string(),
            kind: kind.to_string(),
            due,
            created,
            delivered: None,
            ready: None,
            withdrawn: None,
            attempts: 0,
            next_attempt: None,
        }
    }
}

/// What the scheduler or the delivery service records about one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Re-decided visible at this instant: ready for delivery.
    Ready(i64),
    /// No longer visible when due: never to be delivered (unless it opens again).
    Withdrawn(i64),
    /// Still hidden, but opens later than planned: due at this new instant.
    Reschedule(i64),
    /// Delivered at this instant (counts one attempt).
    Delivered(i64),
    /// A delivery attempt failed: try again at this instant (counts one attempt).
    Retry(i64),
}

/// The kind of news for an item of this type and category; `None` for what is never
/// notified: the access log (written on every read), demographics, grants (rules, not
/// news) and Binary (the content of a document, which is notified itself).
pub fn kind_of(resource_type: &str, category: Option<Category>) -> Option<&'static str> {
    if matches!(resource_type, "Binary" | "Consent" | "AuditEvent") {
        return None;
    }
    Some(match category? {
        Category::Documents => "new-document",
        Category::Letters => "new-letter",
        Category::Results => "new-result",
        Category::Referrals => "new-referral",
        Category::Appointments => "new-appointment",
        Category::Dialog => "new-message",
        Category::Forms => "new-form",
        Category::Plans => "new-plan",
        Category::Measurements => "new-measurement",
        Category::CriticalInfo => "new-critical-info",
        Category::Medication => "new-medication",
        Category::Vaccination => "new-vaccination",
        Category::AccessLog | Category::Demographics => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_name_the_category_and_skip_what_is_never_news() {
        assert_eq!(
            kind_of("DocumentReference", Some(Category::Documents)),
            Some("new-document")
        );
        assert_eq!(
            kind_of("DocumentReference", Some(Category::Letters)),
            Some("new-letter")
        );
        assert_eq!(
            kind_of("DiagnosticReport", Some(Category::Results)),
            Some("new-result")
        );
        assert_eq!(kind_of("Binary", Some(Category::Documents)), None);
        assert_eq!(kind_of("Consent", Some(Category::Documents)), None);
        assert_eq!(kind_of("AuditEvent", Some(Category::AccessLog)), None);
        assert_eq!(kind_of("Patient", Some(Category::Demographics)), None);
        assert_eq!(kind_of("Organization", None), None);
    }
}
