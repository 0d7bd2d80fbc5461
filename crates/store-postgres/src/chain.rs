//! Appending access-log events to the hash chain (see `nordlys_store::audit`).
//!
//! Why an advisory lock: each link names the previous link's hash and the next
//! sequence number, so appends must happen one transaction at a time. SQLite gets that
//! from its single writer; here a transaction-scoped advisory lock serialises the
//! appenders. It is taken after all of a batch's other statements (so a transaction
//! holding it never waits for a row lock, and no deadlock can form with it) and
//! released by the commit. The last link is read in a statement *after* the lock is
//! granted: under READ COMMITTED that statement's snapshot includes the link the
//! previous holder committed.
use deadpool_postgres::Transaction;
use nordlys_store::audit::{chain_hash, GENESIS};
use nordlys_store_sql::statements;
use tokio_postgres::types::ToSql;

use crate::pipeline::{join_all, Pending};
use crate::Postgres;

/// Key of the advisory lock serialising chain appends (ASCII "nlchain").
pub(crate) const CHAIN_LOCK: i64 = 0x006e_6c63_6861_696e;

/// Takes the chain lock; held until the transaction ends.
pub(crate) const LOCK_SQL: &str = "SELECT pg_advisory_xact_lock($1)";

/// One link to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub(crate) seq: i64,
    pub(crate) event_id: String,
    pub(crate) prev_hash: String,
    pub(crate) hash: String,
}

/// Links for `events` (`(event id, stored body)`, in write order), continuing after
/// `last` (`(seq, hash)` of the newest link, `None` for an empty chain).
pub(crate) fn links<'a>(
    last: Option<(i64, String)>,
    events: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<Link> {
    let (mut seq, mut prev) = last.unwrap_or((0, GENESIS.to_string()));
    let mut out = Vec::new();
    for (event_id, body) in events {
        let hash = chain_hash(&prev, body);
        seq += 1;
        out.push(Link {
            seq,
            event_id: event_id.to_string(),
            prev_hash: prev,
            hash: hash.clone(),
        });
        prev = hash;
    }
    out
}

/// Inserts the links in one pipelined round trip.
pub(crate) async fn append(
    tx: &Transaction<'_>,
    links: &[Link],
) -> Result<(), tokio_postgres::Error> {
    let st = tx
        .prepare_cached(&statements::audit_chain_insert(&Postgres))
        .await?;
    let params: Vec<[&(dyn ToSql + Sync); 4]> = links
        .iter()
        .map(|l| {
            [
                &l.seq as &(dyn ToSql + Sync),
                &l.event_id,
                &l.prev_hash,
                &l.hash,
            ]
        })
        .collect();
    let futures: Vec<Pending<'_, Result<u64, tokio_postgres::Error>>> = params
        .iter()
        .map(|p| -> Pending<'_, _> { Box::pin(tx.execute(&st, p)) })
        .collect();
    join_all(futures)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_continue_the_chain_in_order() {
        let first = links(None, [("e1", "{\"a\":1}"), ("e2", "{\"b\":2}")]);
        assert_eq!(first.iter().map(|l| l.seq).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(first[0].prev_hash, GENESIS);
        assert_eq!(first[0].hash, chain_hash(GENESIS, "{\"a\":1}"));
        assert_eq!(first[1].prev_hash, first[0].hash);
        let next = links(Some((2, first[1].hash.clone())), [("e3", "{}")]);
        assert_eq!(
            (next[0].seq, next[0].prev_hash.as_str()),
            (3, first[1].hash.as_str())
        );
    }
}
