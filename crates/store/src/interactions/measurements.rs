//! Home measurements (DHO): the store applies the treating team's thresholds to the
//! readings a write brings and adds the unit's inbox Task to the SAME batch.
//!
//! Why inside the store and in the batch: a reading and the alarm it raises must not be
//! separable — no crossing is lost because a process stopped between two commits, and
//! no client (hub) has to know the thresholds or be allowed to write the unit's Tasks.
//! The thresholds are read without the writer's gate (the hub cannot see the unit's
//! Goals); nothing of them is returned to the writer. Dedupe: one Task per (patient,
//! code, unit) with a derived id — an open one is left alone (raised to the higher
//! priority if the new reading is worse), a closed one is reopened as a new version.
//! If another batch changed the same Task meanwhile (a 409/412 on the Task), the
//! Tasks are worked out again against the Tasks as they are now and the batch retried
//! (at most three times), so a worse reading racing a milder one is still raised.
//!
//! Why a unit gets a Task only for a reading it may see: the Goal's owner receives the
//! value in its inbox, so the reading is decided through the gate as a treating
//! practitioner of that unit (TREAT, no emergency) would get it; only `full` raises a
//! Task. An organisation the patient has blocked, or one a reservation closes, may set
//! a Goal but gets no Task and so no values. A stored Task under the derived id that
//! is not this unit's threshold Task (another owner or kind) is left alone and logged.
use std::collections::BTreeMap;

use serde_json::Value;

use super::prepare::prepare_write;
use super::thresholds::{
    bands_of, crossings, rank, task, task_id, Crossing, THRESHOLD_CATEGORY_CODE,
    THRESHOLD_CATEGORY_SYSTEM,
};
use crate::backend::Committed;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{PendingWrite, Precondition, ResourceKey};
use crate::service::FhirStore;

/// A home measurement: a vital-signs Observation from a Device (the policy's
/// Measurements category).
fn is_measurement(w: &PendingWrite) -> bool {
    w.resource_type == "Observation"
        && w.resource.as_ref().is_some_and(|r| {
            r.get("device").is_some()
                && r.get("category")
                    .and_then(Value::as_array)
                    .is_some_and(|cs| {
                        cs.iter().any(|c| {
                            c.get("coding").and_then(Value::as_array).is_some_and(|cd| {
                                cd.iter().any(|x| {
                                    x.get("code").and_then(Value::as_str) == Some("vital-signs")
                                })
                            })
                        })
                    })
        })
}

/// A `measurement-threshold` work-item Task.
fn is_threshold_task(body: &Value) -> bool {
    body.pointer("/code/coding")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("system").and_then(Value::as_str) == Some(nordlys_policy::TASK_KIND_SYSTEM)
                    && c.get("code").and_then(Value::as_str) == Some("measurement-threshold")
            })
        })
}

impl FhirStore {
    /// The threshold Tasks the measurements among `writes` raise (empty for anything else).
    pub(crate) async fn threshold_tasks(
        &self,
        ctx: &RequestContext,
        writes: &[PendingWrite],
    ) -> StoreResult<Vec<PendingWrite>> {
        let mut by_patient: BTreeMap<&str, Vec<&PendingWrite>> = BTreeMap::new();
        for w in writes.iter().filter(|w| is_measurement(w)) {
            if let Some(p) = w.columns.patient_id.as_deref() {
                by_patient.entry(p).or_default().push(w);
            }
        }
        let mut out = Vec::new();
        let patients: Vec<&str> = by_patient.keys().copied().collect();
        let mut all_bands = self.thresholds_of(ctx, &patients).await?;
        for (patient, readings) in by_patient {
            let Some(bands) = all_bands.remove(patient) else {
                continue;
            };
            // The worst crossing per (code, unit) in this batch, with its reading.
            let mut worst: BTreeMap<(String, Option<String>), (Crossing, String)> = BTreeMap::new();
            let mut sees: BTreeMap<(String, String), bool> = BTreeMap::new();
            for w in readings {
                let Some(obs) = &w.resource else { continue };
                for c in crossings(&bands, obs) {
                    // No recipient, or a unit that may not see this reading: no Task.
                    let Some(unit) = c.unit.clone() else { continue };
                    let seen = match sees.get(&(unit.clone(), w.id.clone())) {
                        Some(v) => *v,
                        None => {
                            let d = self.decide_as_unit(ctx, &unit, &w.columns).await?;
                            let v = d.level == nordlys_policy::Level::Full;
                            sees.insert((unit.clone(), w.id.clone()), v);
                            v
                        }
                    };
                    if !seen {
                        continue;
                    }
                    let key = (c.code.clone(), c.unit.clone());
                    let worse = worst
                        .get(&key)
                        .is_none_or(|(old, _)| rank(c.priority) > rank(old.priority));
                    if worse {
                        worst.insert(key, (c, format!("Observation/{}", w.id)));
                    }
                }
            }
            for ((code, unit), (crossing, observation)) in worst {
                let id = task_id(patient, &code, unit.as_deref());
                let current = self
                    .backend
                    .read_current(ctx, &ResourceKey::new("Task", &id))
                    .await?
                    .filter(|c| !c.deleted);
                let precondition = match &current {
                    None => Precondition::MustNotExist,
                    Some(c) => {
                        let body: Value = serde_json::from_str(&c.body)
                            .map_err(|e| StoreError::Internal(format!("task {id}: {e}")))?;
                        if c.columns.owner_org != unit || !is_threshold_task(&body) {
                            tracing::warn!(task = %id, request_id = %ctx.request_id,
                                "a stored Task holds a threshold Task's id but is not the unit's threshold Task; no alarm raised");
                            continue;
                        }
                        let open = matches!(
                            body.get("status").and_then(Value::as_str),
                            Some("requested" | "received" | "accepted" | "in-progress" | "ready")
                        );
                        let old = body
                            .get("priority")
                            .and_then(Value::as_str)
                            .unwrap_or("routine");
                        if open && rank(crossing.priority) <= rank(old) {
                            continue;
                        }
                        Precondition::VersionIs(c.version)
                    }
                };
                let org_id = match unit.as_deref() {
                    Some(orgnr) => self.organization_id(ctx, orgnr).await?,
                    None => None,
                };
                let body = task(
                    &id,
                    patient,
                    &observation,
                    &crossing,
                    org_id.as_deref(),
                    ctx.now,
                );
                out.push(prepare_write(body, "Task", &id, unit, precondition)?);
            }
        }
        let created = vec![true; out.len()];
        let audits = self.audits_for_writes(ctx, &out, &created)?;
        out.extend(audits);
        Ok(out)
    }

    /// The active threshold bands of these patients (one search for all), with the
    /// unit that set each.
    async fn thresholds_of(
        &self,
        ctx: &RequestContext,
        patients: &[&str],
    ) -> StoreResult<BTreeMap<String, Vec<super::thresholds::Band>>> {
        let mut bands: BTreeMap<String, Vec<super::thresholds::Band>> = BTreeMap::new();
        if patients.is_empty() {
            return Ok(bands);
        }
        let list: Vec<String> = patients.iter().map(|p| format!("Patient/{p}")).collect();
        let params = [
            ("patient".to_string(), list.join(",")),
            (
                "category".to_string(),
                format!("{THRESHOLD_CATEGORY_SYSTEM}|{THRESHOLD_CATEGORY_CODE}"),
            ),
        ];
        let request = self.parse_search("Goal", &params, false)?;
        let hits = self.backend.search(ctx, &request.plan).await?;
        if hits.is_empty() {
            return Ok(bands);
        }
        let keys: Vec<ResourceKey> = hits.into_iter().map(|h| h.key).collect();
        let goals = self.backend.read_many(ctx, &keys).await?;
        for g in goals {
            let Some(patient) = g.columns.patient_id.clone() else {
                continue;
            };
            if let Ok(body) = serde_json::from_str::<Value>(&g.body) {
                let found = bands_of(&body, g.columns.owner_org.as_deref());
                if !found.is_empty() {
                    bands.entry(patient).or_default().extend(found);
                }
            }
        }
        Ok(bands)
    }

    /// The decision a treating practitioner of `orgnr` (TREAT, no emergency) gets for
    /// an item: what the unit may see of it. Used where the store hands an item's
    /// content to a unit that did not ask (threshold alarms) or makes a unit
    /// responsible for it (care-plan hand-over); the policy decides, as for any read.
    pub(crate) async fn decide_as_unit(
        &self,
        ctx: &RequestContext,
        orgnr: &str,
        columns: &crate::model::ItemColumns,
    ) -> StoreResult<nordlys_policy::Decision> {
        let mut unit = RequestContext::new(nordlys_policy::Principal::Practitioner {
            hpr: String::new(),
            orgnr: orgnr.to_string(),
            purpose: Some(nordlys_policy::Purpose::Treat),
        });
        unit.now = ctx.now;
        let gate = self.gate(&unit, [columns]).await?;
        Ok(gate.decide(columns))
    }

    /// Commits `writes` with the threshold `tasks` appended. If a Task lost a race with
    /// another batch (409/412), the Tasks are worked out again against the current
    /// Tasks and the batch retried, at most three times; then (or when nothing is left
    /// to raise) `writes` are committed alone, which also reports a conflict of their own.
    pub(crate) async fn commit_measured(
        &self,
        ctx: &RequestContext,
        writes: Vec<PendingWrite>,
        tasks: Vec<PendingWrite>,
    ) -> StoreResult<Vec<Committed>> {
        let mut tasks = tasks;
        for attempt in 0..3 {
            if tasks.is_empty() {
                break;
            }
            let mut all = writes.clone();
            all.extend(tasks);
            match self.commit_writes(ctx, all).await {
                Err(StoreError::Conflict(_)) | Err(StoreError::PreconditionFailed(_)) => {
                    tracing::info!(attempt, request_id = %ctx.request_id,
                        "threshold Task raced another batch; working the Tasks out again");
                    tasks = self.threshold_tasks(ctx, &writes).await?;
                }
                other => return other,
            }
        }
        if !tasks.is_empty() {
            tracing::warn!(request_id = %ctx.request_id,
                "threshold Tasks kept racing; readings committed without them");
        }
        self.commit_writes(ctx, writes).await
    }
}
