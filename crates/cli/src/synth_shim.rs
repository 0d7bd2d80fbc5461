//! TEMPORARY stand-in for nordlys_synth until it lands (removed before hand-off).
#![allow(dead_code)]
use chrono::NaiveDate;
use serde_json::{json, Value};

pub struct RegionConfig {
    pub patients: usize,
    pub seed: u64,
    pub today: NaiveDate,
}

pub fn region(config: RegionConfig) -> impl Iterator<Item = Value> {
    (0..config.patients).flat_map(|i| {
        vec![
            json!({"resourceType": "Patient", "id": format!("p{i}"),
                   "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.1", "value": "13097248022"}]}),
            json!({"resourceType": "DocumentReference", "id": format!("d{i}"), "status": "current",
                   "subject": {"reference": format!("Patient/p{i}")},
                   "content": [{"attachment": {"contentType": "text/plain"}}]}),
        ]
    })
}

pub struct DemoRegion {
    pub resources: Vec<Value>,
}

pub fn demo_region(today: NaiveDate) -> DemoRegion {
    DemoRegion {
        resources: region(RegionConfig {
            patients: 3,
            seed: 1,
            today,
        })
        .collect(),
    }
}
