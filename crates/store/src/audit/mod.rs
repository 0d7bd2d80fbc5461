//! The access log (innsynslogg): an AuditEvent for every read, search, write and
//! refusal that touches a patient's data, chained by hash so that an edited or removed
//! event is detected (`nordlys audit verify`).
//!
//! Why AuditEvents are ordinary stored resources: the patient must be able to search
//! them through the same policy as everything else (§ 11), so they are indexed like any
//! resource. The chain is an extra table the backend appends to in the same
//! transaction: `hash = sha256(prev_hash ‖ body)`, with contiguous sequence numbers.
//!
//! Writes are logged in the same transaction as the write. Reads are logged before the
//! response is sent, through a group-commit [`sink::AuditSink`]: many requests' events
//! share one transaction, so logging every read costs one fsync per batch, not per read.

mod event;
pub(crate) mod sink;

pub use event::{audit_event, AuditAction, AuditOutcome, AuditRecord};

use sha2::{Digest, Sha256};

/// The hash of a chain link: over the previous link's hash and this event's body.
pub fn chain_hash(prev_hash: &str, body: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update([0u8]);
    h.update(body.as_bytes());
    hex::encode(h.finalize())
}

/// The hash before the first link.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One link of the chain as stored, with the event's first-version body.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainLink {
    pub seq: i64,
    pub event_id: String,
    pub prev_hash: String,
    pub hash: String,
    /// The AuditEvent as first stored; `None` if it is gone.
    pub body: Option<String>,
    /// Whether a later version (an edit or delete) exists.
    pub edited: bool,
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainReport {
    pub events: u64,
    /// The first broken link: sequence number and what is wrong.
    pub broken: Option<(i64, String)>,
}

/// Checks links in order, continuing from `state` (the previous link's seq and hash).
pub fn verify_links(links: &[ChainLink], state: &mut (i64, String), report: &mut ChainReport) {
    for l in links {
        if report.broken.is_some() {
            return;
        }
        let problem = if l.seq != state.0 + 1 {
            Some(format!(
                "events {} to {} are missing",
                state.0 + 1,
                l.seq - 1
            ))
        } else if l.prev_hash != state.1 {
            Some("the link does not continue the previous hash".to_string())
        } else if l.edited {
            Some(format!(
                "AuditEvent/{} was changed after it was written",
                l.event_id
            ))
        } else {
            match &l.body {
                None => Some(format!("AuditEvent/{} is gone", l.event_id)),
                Some(b) if chain_hash(&l.prev_hash, b) != l.hash => {
                    Some(format!("AuditEvent/{} does not match its hash", l.event_id))
                }
                Some(_) => None,
            }
        };
        if let Some(p) = problem {
            report.broken = Some((l.seq, p));
            return;
        }
        report.events += 1;
        *state = (l.seq, l.hash.clone());
    }
}
