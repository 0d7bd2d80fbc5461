//! Applying a batch of writes inside one transaction: preconditions, versions, the
//! current row, history and index rows — all or nothing, with exactly the semantics
//! of the SQLite backend (each write sees the ones before it in the batch).
//!
//! Concurrency: the current rows of the batch are locked (`FOR UPDATE`, in key order
//! so two batches cannot deadlock on them) before any check, so a precondition is
//! checked against the newest committed version and an update never overwrites one it
//! did not see. Two transactions creating the same new id cannot lock a row that does
//! not exist yet; the second waits for the first on the unique key of `resources`,
//! then fails on that of its version `(type, id, 1)` (SQLSTATE 23505): a 409.
//! Serialization failures and deadlocks retry the whole batch.
//!
//! Speed: statements go out in three pipelined round trips (lock, write, commit; one
//! more to append access-log events to the chain, `chain.rs`); see
//! [`crate::pipeline`] and [`crate::index`].
use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use deadpool_postgres::{Object, Pool, Transaction};
use nordlys_store::{Committed, OutboxEntry, PendingWrite, StoreError, StoreResult};
use nordlys_store_sql::{index_rows, statements, IndexRow};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Statement};

use crate::conn::{self, classify, detail, version_row, Failure};
use crate::decide::{decide, version_of, Current, Decision};
use crate::pipeline::{join_all, Pending};
use crate::Postgres;
use crate::{chain, index};

/// Tries per batch when the server asks to retry (serialization failure, deadlock).
const MAX_ATTEMPTS: u32 = 4;

/// Why an attempt ended: a final answer, or a transient failure worth another try.
enum Attempt {
    Fail(StoreError),
    Retry(String),
}

impl From<StoreError> for Attempt {
    fn from(e: StoreError) -> Self {
        Attempt::Fail(e)
    }
}

impl From<tokio_postgres::Error> for Attempt {
    fn from(e: tokio_postgres::Error) -> Self {
        match classify(&e) {
            Failure::Conflict => {
                tracing::debug!(detail = %detail(&e), "concurrent create");
                Attempt::Fail(StoreError::Conflict(
                    "a resource in this request was created concurrently; try again".into(),
                ))
            }
            Failure::Retry => Attempt::Retry(detail(&e)),
            Failure::Other => Attempt::Fail(StoreError::Internal(detail(&e))),
        }
    }
}

/// Commits the batch, retrying transient failures a few times.
pub(crate) async fn commit(
    pool: &Pool,
    writes: &[PendingWrite],
    outbox: &[OutboxEntry],
) -> StoreResult<Vec<Committed>> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let mut attempt = 1;
    loop {
        let mut client = conn::client(pool).await?;
        match apply(&mut client, writes, outbox).await {
            Ok(out) => return Ok(out),
            Err(Attempt::Fail(e)) => return Err(e),
            Err(Attempt::Retry(detail)) if attempt < MAX_ATTEMPTS => {
                tracing::debug!(attempt, %detail, "postgres write retried");
                drop(client);
                tokio::time::sleep(Duration::from_millis(5u64 << attempt)).await;
                attempt += 1;
            }
            Err(Attempt::Retry(detail)) => {
                tracing::warn!(%detail, "postgres write gave up after {MAX_ATTEMPTS} attempts");
                return Err(StoreError::Conflict(
                    "the resources were changed concurrently; try again".into(),
                ));
            }
        }
    }
}

type Key<'a> = (&'a str, &'a str);

/// A version to store: the write and its answer in `out`.
struct Planned<'a> {
    write: &'a PendingWrite,
    out: usize,
    deleted: i32,
}

async fn apply(
    client: &mut Object,
    writes: &[PendingWrite],
    outbox: &[OutboxEntry],
) -> Result<Vec<Committed>, Attempt> {
    let tx = client.transaction().await?;
    // The transaction id is assigned before any sequence number is taken (sent in
    // the same round trip as the locks), so the subscription feed's horizon
    // (subs::settled) can tell when every holder of a number has ended.
    let (xid, state) = tokio::join!(
        tx.simple_query("SELECT pg_current_xact_id()"),
        lock(&tx, writes)
    );
    xid?;
    let mut state = state?;
    let before: Vec<Key> = {
        let mut k: Vec<Key> = state
            .iter()
            .filter(|(_, c)| c.is_some())
            .map(|(k, _)| *k)
            .collect();
        k.sort_unstable();
        k
    };
    // The clock is read once the rows are locked, so a resource's versions get
    // `lastUpdated` in commit order.
    let now = Utc::now();
    let ms = now.timestamp_millis();
    let mut out = Vec::with_capacity(writes.len());
    let mut planned = Vec::with_capacity(writes.len());
    for w in writes {
        let key = (w.resource_type.as_str(), w.id.as_str());
        let cur = state.get(&key).and_then(Option::as_ref);
        match decide(w, cur)? {
            Decision::Keep(stored) => out.push(Committed {
                stored,
                changed: false,
            }),
            Decision::Nothing => {}
            Decision::Write => {
                let stored = version_of(w, cur.map_or(1, |c| c.version + 1), now, ms);
                let deleted = stored.deleted;
                state.insert(
                    key,
                    Some(Current {
                        version: stored.version,
                        deleted,
                        hash: w.content_hash.clone(),
                        stored: stored.clone(),
                    }),
                );
                planned.push(Planned {
                    write: w,
                    out: out.len(),
                    deleted: i32::from(deleted),
                });
                out.push(Committed {
                    stored,
                    changed: true,
                });
            }
        }
    }
    if !planned.is_empty() {
        let chained = planned.iter().any(|p| p.write.chained);
        let last_link = store(&tx, &planned, &out, &before, ms, chained).await?;
        if chained {
            let events = planned.iter().filter(|p| p.write.chained).map(|p| {
                let s = &out[p.out].stored;
                (s.id.as_str(), s.body.as_str())
            });
            chain::append(&tx, &chain::links(last_link, events)).await?;
        }
    }
    if !outbox.is_empty() {
        // The notifications of these writes commit with them (nordlys_store::notify).
        crate::outbox::insert(&tx, outbox, Some(&out)).await?;
    }
    tx.commit().await?;
    Ok(out)
}

/// Locks the batch's current rows in key order and reads them.
async fn lock<'a>(
    tx: &Transaction<'_>,
    writes: &'a [PendingWrite],
) -> Result<HashMap<Key<'a>, Option<Current>>, Attempt> {
    let mut keys: Vec<Key> = writes
        .iter()
        .map(|w| (w.resource_type.as_str(), w.id.as_str()))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let st = tx
        .prepare_cached(&format!(
            "{} FOR UPDATE",
            statements::current_for_write(&Postgres)
        ))
        .await?;
    let params: Vec<[&(dyn ToSql + Sync); 2]> = keys
        .iter()
        .map(|(t, i)| [t as &(dyn ToSql + Sync), i])
        .collect();
    let futures: Vec<Pending<'_, Result<Option<Row>, tokio_postgres::Error>>> = params
        .iter()
        .map(|p| -> Pending<'_, _> { Box::pin(tx.query_opt(&st, p)) })
        .collect();
    let rows = join_all(futures)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let mut state = HashMap::with_capacity(keys.len());
    for (key, row) in keys.into_iter().zip(rows) {
        let cur = match row {
            None => None,
            Some(r) => Some(Current {
                version: r.try_get(0)?,
                deleted: r.try_get::<_, i32>(1)? != 0,
                hash: r.try_get(2)?,
                stored: version_row(&r, 3)?,
            }),
        };
        state.insert(key, cur);
    }
    Ok(state)
}

/// Sends the batch's statements in one pipeline: old index rows out, current rows
/// and versions in, new index rows in; with `chained`, then the chain lock and the
/// last link (`(seq, hash)`, returned).
async fn store(
    tx: &Transaction<'_>,
    planned: &[Planned<'_>],
    out: &[Committed],
    before: &[Key<'_>],
    ms: i64,
    chained: bool,
) -> Result<Option<(i64, String)>, Attempt> {
    // Index rows are replaced: deleted for every written resource that had a row
    // before the batch, inserted for each resource's last version in the batch.
    let written: HashMap<Key, &Planned> = planned
        .iter()
        .map(|p| ((p.write.resource_type.as_str(), p.write.id.as_str()), p))
        .collect();
    let stale: Vec<&Key> = before.iter().filter(|k| written.contains_key(k)).collect();
    let mut fresh: Vec<(Key, Vec<IndexRow>)> = written
        .iter()
        .filter(|(_, p)| p.deleted == 0)
        .map(|(k, p)| (*k, index_rows(&p.write.index)))
        .collect();
    fresh.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let tables = index::group(fresh.iter().map(|(k, rows)| (k.0, k.1, rows.as_slice())))?;

    let mut deletes = Vec::new();
    for sql in statements::delete_index(&Postgres) {
        deletes.push(tx.prepare_cached(&sql).await?);
    }
    let upsert = tx
        .prepare_cached(&statements::upsert_current(&Postgres))
        .await?;
    let version = tx
        .prepare_cached(&statements::insert_version(&Postgres))
        .await?;
    let mut inserts = Vec::with_capacity(tables.len());
    for t in &tables {
        inserts.push(tx.prepare_cached(&index::insert_sql(t.table)).await?);
    }
    let chain_sts = if chained {
        Some((
            tx.prepare_cached(chain::LOCK_SQL).await?,
            tx.prepare_cached(statements::AUDIT_CHAIN_LAST).await?,
        ))
    } else {
        None
    };

    // Current rows in key order (stable, so a key's versions keep their order): two
    // batches creating the same ids then wait on each other instead of deadlocking.
    // Versions follow in write order, which gives them their history order (`seq`).
    let mut order: Vec<&Planned> = planned.iter().collect();
    order.sort_by_key(|p| (p.write.resource_type.as_str(), p.write.id.as_str()));
    let key_params: Vec<[&(dyn ToSql + Sync); 2]> = stale
        .iter()
        .map(|(t, i)| [t as &(dyn ToSql + Sync), i])
        .collect();
    let row_params: Vec<[&(dyn ToSql + Sync); 10]> =
        order.iter().map(|p| row_of(p, out, &ms)).collect();
    let version_params: Vec<[&(dyn ToSql + Sync); 10]> =
        planned.iter().map(|p| row_of(p, out, &ms)).collect();
    let index_params: Vec<Vec<&(dyn ToSql + Sync)>> = tables.iter().map(|t| t.params()).collect();

    let lock_key: [&(dyn ToSql + Sync); 1] = [&chain::CHAIN_LOCK];
    let mut futures: Vec<Pending<'_, Answer>> = Vec::new();
    for p in &key_params {
        for st in &deletes {
            futures.push(exec(tx, st, p));
        }
    }
    for p in &row_params {
        futures.push(exec(tx, &upsert, p));
    }
    for p in &version_params {
        futures.push(exec(tx, &version, &p[..9]));
    }
    for (st, p) in inserts.iter().zip(&index_params) {
        futures.push(exec(tx, st, p));
    }
    if let Some((lock, last)) = &chain_sts {
        futures.push(exec(tx, lock, &lock_key));
        futures.push(Box::pin(tx.query_opt(last, &[])));
    }
    let answers = join_all(futures)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    match answers.into_iter().last().flatten() {
        Some(row) if chained => Ok(Some((row.try_get(0)?, row.try_get(1)?))),
        _ => Ok(None),
    }
}

/// The parameters of `upsert_current` (the first nine are those of `insert_version`).
fn row_of<'a>(
    p: &'a Planned<'a>,
    out: &'a [Committed],
    ms: &'a i64,
) -> [&'a (dyn ToSql + Sync); 10] {
    let s = &out[p.out].stored;
    [
        &s.resource_type,
        &s.id,
        &s.version,
        ms,
        &p.deleted,
        &s.body,
        &s.columns.patient_id,
        &s.columns.owner_org,
        &s.columns.facts,
        &p.write.content_hash,
    ]
}

/// Every statement's answer as an optional row, so that all kinds share one pipeline.
type Answer = Result<Option<Row>, tokio_postgres::Error>;

fn exec<'a>(
    tx: &'a Transaction<'_>,
    st: &'a Statement,
    params: &'a [&'a (dyn ToSql + Sync)],
) -> Pending<'a, Answer> {
    let f = tx.execute(st, params);
    Box::pin(async move { f.await.map(|_| None) })
}
