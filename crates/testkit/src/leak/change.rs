//! The second half of a world: its rules change after every path has been used once,
//! and the paths are checked again.
//!
//! Why: the store caches each patient's policy view across requests (facts, grants,
//! link graph) and drops it when a write touches the patient. A cache that is not
//! dropped shows yesterday's rules — a lock that does not lock, a withdrawn consent
//! that still opens. So the changes here are exactly the kind a cache could miss:
//! new closing grants, withdrawn opening grants, a parent losing responsibility,
//! labels added to and removed from items, and a newly written item.
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::build::{instant, GrantSpec};
use super::world::{Item, World};
use crate::fixtures::HOSPITAL_ORG;

/// Changes `world` in place (new versions and new items) and returns, per item, how many
/// versions it had before (new items: 0), so only the changes are imported.
pub fn change(world: &mut World) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(world.seed ^ 0x5eed_c4a9);
    let before: Vec<usize> = world.items.iter().map(|i| i.versions.len()).collect();
    let recorded = instant(world.today - chrono::TimeDelta::days(1), 10);
    for item in world.items.iter_mut() {
        let mut next = item.current().clone();
        let changed = match item.resource_type() {
            // Withdrawn consents and revoked grants (any kind).
            "Consent" if rng.random_range(0..100) < 30 => {
                let active = next["status"] == "active";
                next["status"] = json!(if active { "inactive" } else { "active" });
                true
            }
            // A parent's registration turned inactive (one already inactive is left:
            // an unchanged version is not stored).
            "RelatedPerson" if rng.random_range(0..100) < 25 && next["active"] != json!(false) => {
                next["active"] = json!(false);
                true
            }
            "Patient" | "RelatedPerson" | "Consent" | "Organization" | "Practitioner"
            | "Binary" => false,
            // Labels: withheld after the fact, or every label lifted.
            _ => match rng.random_range(0..100) {
                0..=7 => {
                    add_label(&mut next, "NORN_FFL");
                    true
                }
                8..=15 if next.pointer("/meta/security").is_some() => {
                    if let Some(meta) = next.get_mut("meta").and_then(Value::as_object_mut) {
                        meta.remove("security");
                        meta.remove("extension");
                    }
                    if next["meta"].as_object().is_some_and(|m| m.is_empty()) {
                        next.as_object_mut().map(|o| o.remove("meta"));
                    }
                    true
                }
                _ => false,
            },
        };
        if changed {
            item.versions.push(next);
        }
    }
    let patients = world.patients.clone();
    for (k, pid) in patients.iter().enumerate() {
        let kind = match rng.random_range(0..4) {
            0 => "emergency-lock",
            1 => "lockdown",
            2 => "block",
            _ => continue,
        };
        let (performer, action) = match kind {
            "emergency-lock" => ("Practitioner/prac-a".to_string(), None),
            "block" => (format!("Patient/{pid}"), Some("hard")),
            _ => (format!("Patient/{pid}"), None),
        };
        let spec = GrantSpec {
            id: format!("{pid}-late{k}"),
            kind,
            patient: format!("Patient/{pid}"),
            recorded: recorded.clone(),
            performer,
            actors: Vec::new(),
            action,
            data: Vec::new(),
            classes: Vec::new(),
            active: true,
        };
        world.items.push(Item {
            versions: vec![spec.json()],
            owner: HOSPITAL_ORG.into(),
            patient: Some(pid.clone()),
        });
    }
    before
        .into_iter()
        .chain(std::iter::repeat(0))
        .take(world.items.len())
        .collect()
}

fn add_label(resource: &mut Value, code: &str) {
    let label = json!({"system": nordlys_policy::LABEL_SYSTEM, "code": code});
    match resource
        .pointer_mut("/meta/security")
        .and_then(Value::as_array_mut)
    {
        Some(sec) => sec.push(label),
        None => resource["meta"]["security"] = json!([label]),
    }
}
