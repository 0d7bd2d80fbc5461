//! Letter reminders (issue 5 § 5): a person told of a new letter who has not read it
//! N days after it became visible to them gets ONE reminder, `letter-reminder`.
//!
//! Why queued with the letter's own entry and not found by a sweep: the reminder is an
//! outbox row like any other, queued in the same transaction (or follow-up) as the
//! `new-letter` entry, for the same person, with the item key `DocumentReference/x#reminder`
//! (so `UNIQUE (person, item)` keeps it exactly once across retries, restarts and
//! several servers) and due N days after the letter's own entry is due. When it falls
//! due the scheduler decides it like every entry — the person must still see the
//! letter — and withdraws it if the letter has been read by anyone allowed to (its
//! receipt Task exists, crate::interactions::letters): a parent's reading counts for
//! the other parent too, since the letter is no longer unread. No new backend query:
//! both stores already keep, decide and deliver such rows.
//!
//! N is `StoreConfig::letter_reminder_days` (serve `--letter-reminder-days`, 7 by
//! default; 0 turns reminders off), fixed when the letter's entry is queued.
use super::OutboxEntry;

/// The kind of a reminder entry.
pub const REMINDER_KIND: &str = "letter-reminder";
/// The suffix of a reminder entry's item key.
const SUFFIX: &str = "#reminder";
const DAY_MS: i64 = 86_400_000;

/// The reminder to queue with a `new-letter` entry, if reminders are on.
pub(crate) fn reminder_for(entry: &OutboxEntry, days: u32) -> Option<OutboxEntry> {
    if days == 0 || entry.kind != "new-letter" || !entry.item.starts_with("DocumentReference/") {
        return None;
    }
    Some(OutboxEntry::new(
        &entry.person,
        &format!("{}{SUFFIX}", entry.item),
        &entry.patient_id,
        REMINDER_KIND,
        entry.due.saturating_add(i64::from(days) * DAY_MS),
        entry.created,
    ))
}

/// The letter (`DocumentReference/id`) a reminder entry's item stands for.
pub fn letter_of(item: &str) -> Option<&str> {
    item.strip_suffix(SUFFIX)
}

/// The item a row is about: the letter for a reminder, else the item itself.
pub fn base_item(item: &str) -> &str {
    letter_of(item).unwrap_or(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_reminder_per_letter_entry_n_days_after_it_is_due() {
        let e = OutboxEntry::new("p", "DocumentReference/l", "pat", "new-letter", 1_000, 500);
        let r = reminder_for(&e, 7).expect("a reminder");
        assert_eq!(
            (r.item.as_str(), r.kind.as_str(), r.due, r.person.as_str()),
            (
                "DocumentReference/l#reminder",
                REMINDER_KIND,
                1_000 + 7 * DAY_MS,
                "p"
            )
        );
        assert_eq!(letter_of(&r.item), Some("DocumentReference/l"));
        assert_eq!(base_item("DocumentReference/l"), "DocumentReference/l");
        assert_eq!(reminder_for(&e, 0), None);
        let doc = OutboxEntry::new("p", "DocumentReference/d", "pat", "new-document", 1, 1);
        assert_eq!(reminder_for(&doc, 7), None);
    }
}
