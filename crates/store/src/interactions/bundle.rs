//! Batch and transaction Bundles.
//!
//! A transaction is all-or-nothing: every entry is resolved first (ids assigned,
//! `urn:uuid:` references rewritten, conditions evaluated, resources validated), then
//! all writes go to the backend as ONE commit, whose preconditions are checked inside
//! the database transaction. Reads (`GET` entries) run after the writes, as R4 orders.
//! A batch runs each entry on its own and reports each entry's outcome.
use std::collections::HashMap;

use serde_json::{json, Value};

use super::prepare::{prepare_delete, prepare_write, resource_type_of};
use super::write::form_pairs;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{format_instant, PendingWrite, Precondition, ResourceKey, StoredResource};
use crate::outcome::{error_outcome, status_line};
use crate::service::{FhirStore, WriteOutcome};

/// One parsed entry.
struct Entry {
    method: String,
    url: String,
    resource: Option<Value>,
    full_url: Option<String>,
    if_none_exist: Option<String>,
    if_match: Option<i64>,
}

fn bad(msg: String) -> StoreError {
    StoreError::BadRequest(msg)
}

fn parse_entries(bundle: &Value) -> StoreResult<Vec<Entry>> {
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.into_iter().enumerate() {
        let req = e
            .get("request")
            .ok_or_else(|| bad(format!("Bundle.entry[{i}] has no request")))?;
        let method = req
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_uppercase();
        if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "DELETE" | "HEAD") {
            return Err(bad(format!(
                "Bundle.entry[{i}].request.method '{method}' is not supported"
            )));
        }
        let url = req
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string();
        if url.is_empty() {
            return Err(bad(format!("Bundle.entry[{i}].request.url is missing")));
        }
        let if_match = match req.get("ifMatch").and_then(Value::as_str) {
            Some(s) => Some(parse_etag(s).ok_or_else(|| {
                bad(format!(
                    "Bundle.entry[{i}].request.ifMatch '{s}' is not a version"
                ))
            })?),
            None => None,
        };
        out.push(Entry {
            method,
            url,
            resource: e.get("resource").cloned(),
            full_url: e.get("fullUrl").and_then(Value::as_str).map(str::to_string),
            if_none_exist: req
                .get("ifNoneExist")
                .and_then(Value::as_str)
                .map(str::to_string),
            if_match,
        });
    }
    Ok(out)
}

/// `W/"3"`, `"3"` or `3` → 3.
pub fn parse_etag(s: &str) -> Option<i64> {
    s.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .ok()
}

/// Replaces every `reference` found in `map` (e.g. `urn:uuid:…` → `Patient/123`).
fn rewrite_references(v: &mut Value, map: &HashMap<String, String>) {
    match v {
        Value::Object(obj) => {
            for (k, child) in obj.iter_mut() {
                if k == "reference" {
                    if let Value::String(s) = child {
                        if let Some(new) = map.get(s.as_str()) {
                            *s = new.clone();
                        }
                    }
                } else {
                    rewrite_references(child, map);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| rewrite_references(c, map)),
        _ => {}
    }
}

fn response_entry(status: u16, stored: Option<&StoredResource>, resource: Option<Value>) -> Value {
    let mut response = json!({"status": status_line(status)});
    if let Some(s) = stored {
        response["location"] = json!(format!(
            "{}/{}/_history/{}",
            s.resource_type, s.id, s.version
        ));
        response["etag"] = json!(s.etag());
        response["lastModified"] = json!(format_instant(s.last_updated));
    }
    let mut entry = json!({"response": response});
    if let Some(r) = resource {
        entry["resource"] = r;
    }
    entry
}

fn body_of(s: &StoredResource) -> Value {
    serde_json::from_str(&s.body).unwrap_or(Value::Null)
}

fn error_entry(e: &StoreError) -> Value {
    let (status, oo) = error_outcome(e);
    json!({"response": {"status": status_line(status), "outcome": oo}})
}

/// Prefixes validation issues with the entry they came from.
fn in_entry(i: usize, e: StoreError) -> StoreError {
    match e {
        StoreError::Invalid(mut issues) => {
            for issue in &mut issues {
                issue.expression = format!("Bundle.entry[{i}].resource.{}", issue.expression);
            }
            StoreError::Invalid(issues)
        }
        StoreError::BadRequest(m) => StoreError::BadRequest(format!("Bundle.entry[{i}]: {m}")),
        other => other,
    }
}

impl FhirStore {
    /// `POST /` with a batch or transaction Bundle; returns the response Bundle.
    pub async fn bundle(&self, ctx: &RequestContext, bundle: Value) -> StoreResult<Value> {
        if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
            return Err(bad("the body must be a Bundle".into()));
        }
        let kind = bundle
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let entries = parse_entries(&bundle)?;
        let responses = match kind.as_str() {
            "transaction" => self.transaction(ctx, entries).await?,
            "batch" => self.batch(ctx, entries).await,
            other => {
                return Err(bad(format!(
                    "Bundle.type '{other}' is neither batch nor transaction"
                )))
            }
        };
        Ok(
            json!({"resourceType": "Bundle", "type": format!("{kind}-response"), "entry": responses}),
        )
    }

    async fn batch(&self, ctx: &RequestContext, entries: Vec<Entry>) -> Vec<Value> {
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            out.push(match self.single_entry(ctx, e).await {
                Ok(v) => v,
                Err(err) => error_entry(&err),
            });
        }
        out
    }

    /// One entry on its own, through the ordinary interactions.
    async fn single_entry(&self, ctx: &RequestContext, e: Entry) -> StoreResult<Value> {
        match e.method.as_str() {
            "GET" | "HEAD" => self.get_entry(ctx, &e.url).await,
            "POST" => {
                let resource = e
                    .resource
                    .ok_or_else(|| bad("a POST entry needs a resource".into()))?;
                Ok(write_response(
                    self.create(ctx, resource, e.if_none_exist.as_deref())
                        .await?,
                ))
            }
            "PUT" => {
                let resource = e
                    .resource
                    .ok_or_else(|| bad("a PUT entry needs a resource".into()))?;
                let (rt, id) = e
                    .url
                    .split_once('/')
                    .ok_or_else(|| bad(format!("'{}' is not Type/id", e.url)))?;
                Ok(write_response(
                    self.update(ctx, rt, id, resource, e.if_match).await?,
                ))
            }
            "DELETE" => {
                let (rt, id) = e
                    .url
                    .split_once('/')
                    .ok_or_else(|| bad(format!("'{}' is not Type/id", e.url)))?;
                self.delete(ctx, rt, id).await?;
                Ok(response_entry(204, None, None))
            }
            m => Err(bad(format!("method {m} is not supported"))),
        }
    }

    /// A `GET` entry: read, vread or search.
    async fn get_entry(&self, ctx: &RequestContext, url: &str) -> StoreResult<Value> {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match parts.as_slice() {
            [rt, id] => {
                let s = self.read(ctx, rt, id).await?;
                Ok(response_entry(200, Some(&s), Some(body_of(&s))))
            }
            [rt, id, "_history", v] => {
                let v: i64 = v
                    .parse()
                    .map_err(|_| bad(format!("'{v}' is not a version")))?;
                let s = self.vread(ctx, rt, id, v).await?;
                Ok(response_entry(200, Some(&s), Some(body_of(&s))))
            }
            [rt] => {
                let request = self.parse_search(rt, &form_pairs(query), false)?;
                let result = self.search(ctx, &request).await?;
                let mut entries: Vec<Value> = result
                    .matches
                    .iter()
                    .map(|s| json!({"fullUrl": format!("{}/{}", s.resource_type, s.id), "resource": body_of(s), "search": {"mode": "match"}}))
                    .collect();
                entries.extend(result.included.iter().map(
                    |s| json!({"fullUrl": format!("{}/{}", s.resource_type, s.id), "resource": body_of(s), "search": {"mode": "include"}}),
                ));
                let mut set =
                    json!({"resourceType": "Bundle", "type": "searchset", "entry": entries});
                if let Some(t) = result.total {
                    set["total"] = json!(t);
                }
                Ok(response_entry(200, None, Some(set)))
            }
            _ => Err(bad(format!("'{url}' is not a read, vread or search"))),
        }
    }

    async fn transaction(
        &self,
        ctx: &RequestContext,
        entries: Vec<Entry>,
    ) -> StoreResult<Vec<Value>> {
        let mut gate = self.gate(ctx, std::iter::empty()).await?;
        let owner = ctx.principal.orgnr().map(str::to_string);
        // 1. Resolve targets: ids for creates, conditions, and the fullUrl → reference map.
        let mut targets: Vec<Option<(String, String)>> = vec![None; entries.len()];
        let mut existing: Vec<Option<StoredResource>> = vec![None; entries.len()];
        let mut refs: HashMap<String, String> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let target = match e.method.as_str() {
                "POST" => {
                    let resource = e
                        .resource
                        .as_ref()
                        .ok_or_else(|| bad(format!("Bundle.entry[{i}]: POST needs a resource")))?;
                    let rt = resource_type_of(resource).map_err(|err| in_entry(i, err))?;
                    let mut id = uuid::Uuid::new_v4().to_string();
                    if let Some(q) = &e.if_none_exist {
                        if let Some(found) = self
                            .conditional_match(ctx, &rt, q)
                            .await
                            .map_err(|err| in_entry(i, err))?
                        {
                            id = found.id.clone();
                            existing[i] = Some(found);
                        }
                    }
                    Some((rt, id))
                }
                "PUT" | "DELETE" => {
                    let (path, query) = e.url.split_once('?').unwrap_or((&e.url, ""));
                    if query.is_empty() {
                        let (rt, id) = path.split_once('/').ok_or_else(|| {
                            bad(format!("Bundle.entry[{i}]: '{}' is not Type/id", e.url))
                        })?;
                        Some((rt.to_string(), id.to_string()))
                    } else {
                        let found = self
                            .conditional_match(ctx, path, query)
                            .await
                            .map_err(|err| in_entry(i, err))?;
                        let id = match (&found, &e.resource) {
                            (Some(f), _) => f.id.clone(),
                            (None, Some(r)) => r
                                .get("id")
                                .and_then(Value::as_str)
                                .map(str::to_string)
                                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                            (None, None) => String::new(),
                        };
                        Some((path.to_string(), id))
                    }
                }
                _ => None,
            };
            if let (Some(full), Some((rt, id))) = (&e.full_url, &target) {
                refs.insert(full.clone(), format!("{rt}/{id}"));
            }
            targets[i] = target;
        }
        // 2. Build every write (validation errors fail the whole transaction).
        let mut writes: Vec<PendingWrite> = Vec::new();
        let mut write_of: Vec<Option<usize>> = vec![None; entries.len()];
        let mut created: Vec<bool> = vec![false; entries.len()];
        for (i, e) in entries.iter().enumerate() {
            let Some((rt, id)) = &targets[i] else {
                continue;
            };
            if !gate.may_write_type(rt) {
                return Err(StoreError::Forbidden(format!(
                    "Bundle.entry[{i}]: you may not write {rt}"
                )));
            }
            if e.method == "POST" && existing[i].is_some() {
                continue;
            }
            if e.method == "DELETE" && id.is_empty() {
                continue;
            }
            let current = self
                .backend
                .read_current(ctx, &ResourceKey::new(rt, id))
                .await?;
            self.extend_gate(ctx, &mut gate, current.as_ref().map(|c| &c.columns))
                .await?;
            if rt == "CarePlan" {
                // Its own operations add the Provenance, the one-active-plan check and
                // the marker's removal on DELETE.
                return Err(bad(format!(
                    "Bundle.entry[{i}]: a CarePlan is written and deleted with POST/PUT/DELETE CarePlan, not in a transaction"
                )));
            }
            let live = current.filter(|c| !c.deleted && gate.visible(&c.columns));
            super::write::reserved_id(id, live.is_some()).map_err(|err| in_entry(i, err))?;
            if let Some(c) = &live {
                if !gate.may_write(rt, &c.columns) {
                    return Err(StoreError::Forbidden(format!(
                        "Bundle.entry[{i}]: you may not change {rt}/{id}"
                    )));
                }
            }
            let write = if e.method == "DELETE" {
                let Some(c) = live else { continue };
                prepare_delete(rt, id, c.columns)
            } else {
                let mut resource = e.resource.clone().ok_or_else(|| {
                    bad(format!("Bundle.entry[{i}]: {} needs a resource", e.method))
                })?;
                rewrite_references(&mut resource, &refs);
                if rt == "Subscription" {
                    self.prepare_subscription(ctx, &mut resource)
                        .map_err(|err| in_entry(i, err))?;
                }
                let precondition = match (e.method.as_str(), e.if_match) {
                    ("POST", _) => Precondition::MustNotExist,
                    (_, Some(v)) => Precondition::VersionIs(v),
                    _ => Precondition::Any,
                };
                let owner = live
                    .as_ref()
                    .map_or(owner.clone(), |c| c.columns.owner_org.clone());
                created[i] = live.is_none();
                let w = prepare_write(resource, rt, id, owner, precondition)
                    .map_err(|err| in_entry(i, err))?;
                self.extend_gate(ctx, &mut gate, [&w.columns]).await?;
                self.check_write(&gate, &w)
                    .map_err(|err| in_entry(i, err))?;
                self.check_grant_reach(ctx, &mut gate, &w)
                    .await
                    .map_err(|err| in_entry(i, err))?;
                w
            };
            write_of[i] = Some(writes.len());
            writes.push(write);
        }
        // 3. One atomic commit.
        let created_of_writes: Vec<bool> = (0..entries.len())
            .filter(|i| write_of[*i].is_some())
            .map(|i| created[i])
            .collect();
        let tasks = self.threshold_tasks(ctx, &writes).await?;
        let audits = self.audits_for_writes(ctx, &writes, &created_of_writes)?;
        writes.extend(audits);
        let stored = if writes.is_empty() {
            Vec::new()
        } else {
            self.commit_measured(ctx, writes, tasks).await?
        };
        // 4. Responses, and reads after the writes.
        let mut out = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let entry = match (e.method.as_str(), write_of[i]) {
                ("GET" | "HEAD", _) => match self.get_entry(ctx, &e.url).await {
                    Ok(v) => v,
                    Err(err) => error_entry(&err),
                },
                ("DELETE", _) => response_entry(204, None, None),
                (_, Some(w)) => {
                    let s = &stored
                        .get(w)
                        .ok_or_else(|| StoreError::Internal("transaction result is short".into()))?
                        .stored;
                    response_entry(
                        if created[i] { 201 } else { 200 },
                        Some(s),
                        Some(body_of(s)),
                    )
                }
                (_, None) => match &existing[i] {
                    Some(s) => response_entry(200, Some(s), None),
                    None => response_entry(204, None, None),
                },
            };
            out.push(entry);
        }
        Ok(out)
    }
}

fn write_response(outcome: WriteOutcome) -> Value {
    let status = match &outcome {
        WriteOutcome::Created(_) => 201,
        WriteOutcome::Updated(_) | WriteOutcome::Unchanged(_) => 200,
    };
    let s = outcome.stored();
    response_entry(status, Some(s), Some(body_of(s)))
}
