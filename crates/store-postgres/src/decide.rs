//! What one write of a batch does, decided against the current row as the batch
//! sees it: the precondition rules and the no-op cases, identical to the SQLite
//! backend's (a conformance requirement, so kept apart from the SQL and unit-tested).
use chrono::{DateTime, Utc};
use nordlys_store::model::finalize_body;
use nordlys_store::{PendingWrite, Precondition, StoreError, StoreResult, StoredResource};

use crate::conn;

/// The current row of a key, as the batch sees it.
#[derive(Clone)]
pub(crate) struct Current {
    pub(crate) version: i64,
    pub(crate) deleted: bool,
    pub(crate) hash: String,
    pub(crate) stored: StoredResource,
}

/// What one write does, decided against the current row.
pub(crate) enum Decision {
    /// Nothing changes; this version is the answer.
    Keep(StoredResource),
    /// Nothing changes and there is nothing to answer (delete of an unknown id).
    Nothing,
    Write,
}

pub(crate) fn decide(w: &PendingWrite, cur: Option<&Current>) -> StoreResult<Decision> {
    let live = cur.filter(|c| !c.deleted);
    match (w.precondition, live) {
        (Precondition::MustNotExist, Some(_)) => {
            return Err(StoreError::Conflict(format!(
                "{}/{} already exists",
                w.resource_type, w.id
            )))
        }
        (Precondition::VersionIs(v), Some(c)) if c.version != v => {
            return Err(StoreError::PreconditionFailed(format!(
                "version {v} of {}/{} is not the current version ({})",
                w.resource_type, w.id, c.version
            )))
        }
        (Precondition::VersionIs(v), None) => {
            return Err(StoreError::PreconditionFailed(format!(
                "{}/{} has no current version {v}",
                w.resource_type, w.id
            )))
        }
        _ => {}
    }
    if let Some(c) = live {
        if w.skip_if_unchanged && w.resource.is_some() && c.hash == w.content_hash {
            return Ok(Decision::Keep(c.stored.clone()));
        }
    }
    if w.resource.is_none() && live.is_none() {
        // Deleting what is not there (or already deleted) changes nothing.
        return Ok(cur.map_or(Decision::Nothing, |c| Decision::Keep(c.stored.clone())));
    }
    Ok(Decision::Write)
}

/// The stored form of a write as version `version`, written at `now`.
pub(crate) fn version_of(
    w: &PendingWrite,
    version: i64,
    now: DateTime<Utc>,
    ms: i64,
) -> StoredResource {
    StoredResource {
        resource_type: w.resource_type.clone(),
        id: w.id.clone(),
        version,
        last_updated: conn::millis_to_time(ms),
        deleted: w.resource.is_none(),
        body: w
            .resource
            .as_ref()
            .map(|r| finalize_body(r, version, now))
            .unwrap_or_default(),
        columns: w.columns.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nordlys_store::ItemColumns;
    use serde_json::json;

    fn write(precondition: Precondition, resource: Option<serde_json::Value>) -> PendingWrite {
        PendingWrite {
            resource_type: "Patient".into(),
            id: "p1".into(),
            precondition,
            resource,
            index: Vec::new(),
            columns: ItemColumns::default(),
            content_hash: "h1".into(),
            skip_if_unchanged: true,
            chained: false,
        }
    }

    fn current(version: i64, deleted: bool) -> Current {
        let stored = version_of(
            &write(Precondition::Any, Some(json!({"resourceType": "Patient"}))),
            version,
            Utc::now(),
            0,
        );
        Current {
            version,
            deleted,
            hash: "h1".into(),
            stored,
        }
    }

    #[test]
    fn preconditions_decide_like_the_embedded_store() {
        let live = current(2, false);
        let gone = current(3, true);
        let body = Some(json!({"resourceType": "Patient", "id": "p1"}));
        let cases = [
            (
                write(Precondition::MustNotExist, body.clone()),
                Some(&live),
                "conflict",
            ),
            (
                write(Precondition::MustNotExist, body.clone()),
                Some(&gone),
                "write",
            ),
            (
                write(Precondition::VersionIs(1), body.clone()),
                Some(&live),
                "412",
            ),
            (
                write(Precondition::VersionIs(3), body.clone()),
                Some(&gone),
                "412",
            ),
            (
                write(Precondition::VersionIs(2), body.clone()),
                Some(&live),
                "keep",
            ),
            (write(Precondition::Any, None), None, "nothing"),
            (write(Precondition::Any, None), Some(&gone), "keep"),
            (write(Precondition::Any, None), Some(&live), "write"),
            (write(Precondition::Any, body.clone()), None, "write"),
        ];
        let got: Vec<&str> = cases
            .iter()
            .map(|(w, c, _)| match decide(w, *c) {
                Err(StoreError::Conflict(_)) => "conflict",
                Err(StoreError::PreconditionFailed(_)) => "412",
                Err(_) => "other error",
                Ok(Decision::Keep(_)) => "keep",
                Ok(Decision::Nothing) => "nothing",
                Ok(Decision::Write) => "write",
            })
            .collect();
        let want: Vec<&str> = cases.iter().map(|c| c.2).collect();
        assert_eq!(got, want);
    }
}
