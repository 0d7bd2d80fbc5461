//! The access log as a path: AuditEvents about items a principal may not see must not
//! reach them, and those about items they see must (§ 11, "the access log shows a
//! person what § 6 allows them to see of it").
//!
//! The log grows while the test runs (every read is logged), so entries are judged
//! from their stored body (read back from the backend) and the current facts of what
//! they name. Reading the log is not itself logged, so one snapshot serves every
//! principal's look at the whole log.
use nordlys_policy::{ItemFacts, Level, Principal};
use nordlys_store::{RequestContext, ResourceKey, SearchPlan, StoredResource};
use serde_json::Value;

use super::check::{Checker, Expected, Who};
use super::oracle::Oracle;

/// One stored AuditEvent with its facts.
pub struct LogEntry {
    pub id: String,
    pub facts: ItemFacts,
}

fn backend_ctx() -> RequestContext {
    RequestContext::new(Principal::System {
        client_id: "leak-test".into(),
        orgnr: String::new(),
        scopes: Vec::new(),
    })
}

impl Checker<'_> {
    /// These AuditEvents as stored; remembered as the bodies to compare with.
    async fn log_entries(&mut self, keys: &[ResourceKey]) -> Vec<LogEntry> {
        let stored: Vec<StoredResource> = self
            .backend
            .read_many(&backend_ctx(), keys)
            .await
            .unwrap_or_default();
        let mut out = Vec::with_capacity(stored.len());
        for s in stored {
            let body: Value = serde_json::from_str(&s.body).unwrap_or(Value::Null);
            let facts = Oracle::entry_facts(&body, s.last_updated);
            self.stored
                .insert(format!("AuditEvent/{}", s.id), vec![body]);
            out.push(LogEntry { id: s.id, facts });
        }
        out
    }

    /// Every stored AuditEvent, straight from the backend.
    pub async fn log_snapshot(&mut self) -> Vec<LogEntry> {
        let plan = SearchPlan {
            resource_type: "AuditEvent".into(),
            clauses: Vec::new(),
            sort: Vec::new(),
        };
        let keys: Vec<ResourceKey> = match self.backend.search(&backend_ctx(), &plan).await {
            Ok(hits) => hits.into_iter().map(|h| h.key).collect(),
            Err(_) => Vec::new(),
        };
        self.log_entries(&keys).await
    }

    /// Checks AuditEvents returned by another path (e.g. `$everything`): each must be one
    /// the oracle lets this principal see, shaped accordingly.
    pub async fn check_log_entries(&mut self, who: &Who, path: &str, got: &[StoredResource]) {
        let keys: Vec<ResourceKey> = got
            .iter()
            .map(|s| ResourceKey::new("AuditEvent", &s.id))
            .collect();
        let entries = self.log_entries(&keys).await;
        for s in got {
            let reference = format!("AuditEvent/{}", s.id);
            let Some(entry) = entries.iter().find(|e| e.id == s.id) else {
                self.fail(
                    who,
                    path,
                    &reference,
                    "returned an AuditEvent the store does not hold".into(),
                );
                continue;
            };
            let d = self
                .oracle
                .decide_entry(&who.principal, &who.refs, &entry.facts);
            let body: Value = serde_json::from_str(&s.body).unwrap_or(Value::Null);
            self.check_body(who, path, &reference, None, &body, d);
        }
    }

    /// `AuditEvent?…` as this principal, all pages: exactly the entries the oracle allows.
    pub async fn access_log(&mut self, who: &Who, log: &[LogEntry]) {
        let mut expected = Expected::new();
        for e in log {
            let d = self
                .oracle
                .decide_entry(&who.principal, &who.refs, &e.facts);
            if d.level != Level::None {
                expected.insert((format!("AuditEvent/{}", e.id), 0), d);
            }
        }
        let ctx = self.ctx(who);
        let mut got = Vec::new();
        let mut offset = 0;
        loop {
            let params = vec![
                ("_count".to_string(), "1000".to_string()),
                ("_offset".to_string(), offset.to_string()),
            ];
            let request = match self.store.parse_search("AuditEvent", &params, false) {
                Ok(r) => r,
                Err(e) => {
                    return self.fail(who, "search AuditEvent", "-", format!("ERROR parse {e:?}"))
                }
            };
            self.calls += 1;
            match self.store.search(&ctx, &request).await {
                Ok(r) => {
                    let more = r.has_next;
                    offset += r.matches.len();
                    got.extend(r.matches);
                    if !more {
                        break;
                    }
                }
                // § 9: a practitioner without a care relationship may be refused.
                Err(nordlys_store::StoreError::Forbidden(_))
                    if matches!(who.principal, Principal::Practitioner { purpose: None, .. }) =>
                {
                    return;
                }
                Err(e) => return self.fail(who, "search AuditEvent", "-", format!("ERROR {e:?}")),
            }
        }
        self.compare(
            who,
            &format!("search AuditEvent ({} in the log)", log.len()),
            &expected,
            &got,
            false,
        );
    }
}
