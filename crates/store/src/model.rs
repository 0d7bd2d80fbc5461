//! What is stored and what is written.
//!
//! A stored version keeps its JSON text exactly as it will be served (with
//! `meta.versionId` and `meta.lastUpdated` already set), so a read is a lookup and a
//! copy, never a re-serialisation.
use chrono::{DateTime, SecondsFormat, Utc};
use nordlys_fhir::IndexEntry;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// `(resource type, logical id)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceKey {
    pub resource_type: String,
    pub id: String,
}

impl ResourceKey {
    pub fn new(resource_type: impl Into<String>, id: impl Into<String>) -> Self {
        ResourceKey {
            resource_type: resource_type.into(),
            id: id.into(),
        }
    }
}

/// One stored version of a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResource {
    pub resource_type: String,
    pub id: String,
    pub version: i64,
    pub last_updated: DateTime<Utc>,
    /// A logical delete: the version exists, has no body to serve.
    pub deleted: bool,
    /// The JSON text as served; empty for a delete.
    pub body: String,
    /// Facts the policy reads, kept beside the body.
    pub columns: ItemColumns,
}

impl StoredResource {
    pub fn key(&self) -> ResourceKey {
        ResourceKey::new(&self.resource_type, &self.id)
    }
    /// `W/"3"`.
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.version)
    }
}

/// Facts about an item kept in columns so the policy can decide without parsing the
/// body: whose record it belongs to and which organisation produced it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemColumns {
    /// Logical id of the Patient whose compartment holds the item.
    pub patient_id: Option<String>,
    /// Organisation number of the client that created the item (recorded by the server).
    pub owner_org: Option<String>,
    /// The policy's facts about the item (`nordlys_policy::ItemFacts` as JSON), computed
    /// at write time so a search decides per hit without reading bodies.
    pub facts: Option<String>,
}

/// What must hold for a write to go through, checked inside the backend transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Create or update, whatever is there.
    Any,
    /// A create with a server-assigned id: nothing may exist.
    MustNotExist,
    /// `If-Match`: the current version must be this one (and not deleted).
    VersionIs(i64),
}

/// One write in an atomic batch.
#[derive(Debug, Clone)]
pub struct PendingWrite {
    pub resource_type: String,
    pub id: String,
    pub precondition: Precondition,
    /// The resource to store (its `meta.versionId`/`lastUpdated` are set by the backend
    /// through [`finalize_body`]); `None` for a delete.
    pub resource: Option<Value>,
    pub index: Vec<IndexEntry>,
    pub columns: ItemColumns,
    /// Hash of the content without `meta`, to skip no-op re-imports.
    pub content_hash: String,
    /// When the content equals the current version, keep the current version.
    pub skip_if_unchanged: bool,
    /// An access-log event: the backend appends it to the hash chain in the same
    /// transaction (see [`crate::audit`]).
    pub chained: bool,
}

/// Instance, type or system history.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery {
    pub resource_type: Option<String>,
    pub id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub count: usize,
    pub offset: usize,
}

/// Sets `meta.versionId` and `meta.lastUpdated` and serialises: the text that is stored
/// and served. Backends call this once they know the new version number.
pub fn finalize_body(resource: &Value, version: i64, last_updated: DateTime<Utc>) -> String {
    let mut resource = resource.clone();
    if let Value::Object(map) = &mut resource {
        let meta = map
            .entry("meta")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(meta) = meta {
            meta.insert("versionId".into(), Value::String(version.to_string()));
            meta.insert(
                "lastUpdated".into(),
                Value::String(format_instant(last_updated)),
            );
        }
    }
    resource.to_string()
}

/// FHIR instant with millisecond precision.
pub fn format_instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Hash of a resource's content, ignoring `meta.versionId`/`meta.lastUpdated`.
pub fn content_hash(resource: &Value) -> String {
    let mut copy = resource.clone();
    if let Some(Value::Object(meta)) = copy.get_mut("meta") {
        meta.remove("versionId");
        meta.remove("lastUpdated");
    }
    if copy
        .get("meta")
        .and_then(Value::as_object)
        .is_some_and(|m| m.is_empty())
    {
        if let Value::Object(map) = &mut copy {
            map.remove("meta");
        }
    }
    hex::encode(Sha256::digest(copy.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finalize_sets_meta_and_hash_ignores_it() {
        let r = json!({"resourceType": "Patient", "id": "a"});
        let t =
            DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z").map(|t| t.with_timezone(&Utc));
        let Ok(t) = t else { panic!("bad test instant") };
        let body = finalize_body(&r, 3, t);
        let v: Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(v["meta"]["versionId"], "3");
        assert_eq!(v["meta"]["lastUpdated"], "2026-01-02T03:04:05.678Z");
        assert_eq!(content_hash(&v), content_hash(&r));
    }
}
