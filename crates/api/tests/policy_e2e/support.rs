//! The demo region behind the real server, dev tokens for its cast, and a collector of
//! deviations from the spec.
//!
//! Why a collector instead of stopping at the first failed assertion: these tests are
//! written to access-policy.md, and where the server disagrees the lead needs the whole
//! list (what, expected, got) from one run, not one line per run. Every check is still
//! exact (ids, counts, levels) and a test with any deviation fails.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use nordlys_synth::{DemoPerson, DemoPractitioner, DemoRegion};
use nordlys_testkit::server::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The security label of a metadata answer (§ 1).
pub const REDACTED_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

/// The server with the demo region loaded, and the cast.
pub struct Demo {
    pub s: TestServer,
    pub region: DemoRegion,
}

impl Demo {
    /// Starts the server and loads `demo_region(today)` as `nordlys demo` does: each
    /// item owned by the organisation that produced it.
    pub async fn start() -> Demo {
        let s = TestServer::start().await;
        let today = nordlys_policy::oslo_today(chrono::Utc::now());
        let region = nordlys_synth::demo_region(today);
        let mut by_owner: BTreeMap<Option<String>, Vec<Value>> = BTreeMap::new();
        for r in &region.resources {
            let owner = nordlys_synth::source_orgnr(r).map(str::to_owned);
            by_owner.entry(owner).or_default().push(r.clone());
        }
        for (owner, resources) in by_owner {
            let n = resources.len();
            let report = s
                .store
                .unchecked_import(resources, owner.as_deref())
                .await
                .expect("import the demo region");
            assert!(
                report.failed.is_empty(),
                "demo records refused: {:?}",
                report.failed
            );
            assert_eq!(report.written, n, "demo records of {owner:?}");
        }
        Demo { s, region }
    }

    pub fn person(&self, key: &str) -> &DemoPerson {
        self.region
            .persons
            .iter()
            .find(|p| p.key == key)
            .unwrap_or_else(|| panic!("no demo person {key}"))
    }

    pub fn pid(&self, key: &str) -> String {
        self.person(key).pid.clone()
    }

    pub fn practitioner(&self, key: &str) -> &DemoPractitioner {
        self.region
            .practitioners
            .iter()
            .find(|p| p.key == key)
            .unwrap_or_else(|| panic!("no demo practitioner {key}"))
    }

    /// A citizen token (security level high) for a demo person.
    pub async fn citizen(&self, key: &str) -> String {
        self.s.citizen_token(&self.pid(key)).await
    }

    /// A practitioner token for a demo practitioner, with an optional purpose.
    pub async fn clinician(&self, key: &str, purpose: Option<&str>) -> String {
        let p = self.practitioner(key);
        self.s.practitioner_token(&p.hpr, &p.orgnr, purpose).await
    }

    /// The `as` value of `$explain` for a demo person.
    pub fn as_citizen(&self, key: &str) -> String {
        format!("citizen:{}", self.pid(key))
    }

    /// The `as` value of `$explain` for a demo practitioner.
    pub fn as_clinician(&self, key: &str, purpose: Option<&str>) -> String {
        let p = self.practitioner(key);
        match purpose {
            Some(pu) => format!("practitioner:{}:{}:{pu}", p.hpr, p.orgnr),
            None => format!("practitioner:{}:{}", p.hpr, p.orgnr),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.s.get(path, token).await
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        self.s.send(method, path, token, body).await
    }

    /// `GET Patient/{patient}/$explain?item=…&as=…` → (status, level, reason, body).
    pub async fn explain(&self, token: &str, patient: &str, item: &str, as_: &str) -> Explained {
        let path = format!(
            "/fhir/Patient/{patient}/$explain?item={item}&as={}",
            as_.replace(' ', "%20")
        );
        let (status, body) = self.get(&path, token).await;
        Explained {
            status,
            level: param(&body, "level"),
            reason: param(&body, "reason"),
            body,
        }
    }

    /// The read answer for an id that was never used, with `id` put in its place: what a
    /// hidden item's read must look like, byte for byte (§ 1).
    pub async fn unknown_answer(
        &self,
        resource_type: &str,
        id: &str,
        token: &str,
    ) -> (StatusCode, String) {
        let never = "never-used-0";
        let (status, body) = self
            .get(&format!("/fhir/{resource_type}/{never}"), token)
            .await;
        (status, body.to_string().replace(never, id))
    }
}

/// The parts of a `$explain` answer the tests read.
#[derive(Debug)]
pub struct Explained {
    pub status: StatusCode,
    pub level: Option<String>,
    pub reason: Option<String>,
    pub body: Value,
}

/// The value of the first parameter `name` of a Parameters resource, as text.
pub fn param(parameters: &Value, name: &str) -> Option<String> {
    let p = parameters["parameter"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)?;
    ["valueCode", "valueString", "valueDateTime", "valueBoolean"]
        .iter()
        .find_map(|k| p.get(*k))
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string())
        })
}

/// `Type/id` of every resource in a Bundle, sorted, leaving out the access log (its
/// entries are created by the requests themselves and checked separately).
pub fn bundle_items(bundle: &Value) -> BTreeSet<String> {
    bundle["entry"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| {
                    let r = &e["resource"];
                    Some(format!(
                        "{}/{}",
                        r["resourceType"].as_str()?,
                        r["id"].as_str()?
                    ))
                })
                .filter(|r| !r.starts_with("AuditEvent/"))
                .collect()
        })
        .unwrap_or_default()
}

/// The resources of a Bundle by `Type/id`.
pub fn bundle_resources(bundle: &Value) -> BTreeMap<String, Value> {
    bundle["entry"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| {
                    let r = &e["resource"];
                    Some((
                        format!("{}/{}", r["resourceType"].as_str()?, r["id"].as_str()?),
                        r.clone(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a resource carries the REDACTED label of a metadata answer.
pub fn is_redacted(r: &Value) -> bool {
    r["meta"]["security"].as_array().is_some_and(|s| {
        s.iter()
            .any(|c| c["system"] == REDACTED_SYSTEM && c["code"] == "REDACTED")
    })
}

/// Whether any attachment of a DocumentReference still carries content (`data`/`url`).
pub fn has_attachment_content(r: &Value) -> bool {
    r["content"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["attachment"].get("data").is_some() || c["attachment"].get("url").is_some())
    })
}

/// A set of `Type/id` strings.
pub fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Every resource of the demo in `patient`'s record, as the demo data names them
/// (`subject`/`patient` reference, or the Patient itself).
pub fn demo_record(region: &DemoRegion, patient: &str) -> BTreeSet<String> {
    let reference = format!("Patient/{patient}");
    region
        .resources
        .iter()
        .filter(|r| {
            (r["resourceType"] == "Patient" && r["id"] == patient)
                || ["subject", "patient"]
                    .iter()
                    .any(|k| r[*k]["reference"] == reference.as_str())
                || r["participant"].as_array().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p["actor"]["reference"] == reference.as_str())
                })
        })
        .filter_map(|r| {
            Some(format!(
                "{}/{}",
                r["resourceType"].as_str()?,
                r["id"].as_str()?
            ))
        })
        .collect()
}

/// A grant (Consent) in exactly the shape of contract.md.
pub struct GrantSpec<'a> {
    pub kind: &'a str,
    pub patient: &'a str,
    pub performer: &'a str,
    pub provision_type: &'a str,
    pub actors: &'a [(&'a str, &'a str)],
    pub action: Option<&'a str>,
    pub data_related: Option<&'a str>,
}

impl GrantSpec<'_> {
    pub fn json(&self) -> Value {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let rule = if self.provision_type == "permit" {
            "OPTIN"
        } else {
            "OPTOUT"
        };
        let mut provision = json!({"type": self.provision_type, "period": {"start": now}});
        if !self.actors.is_empty() {
            provision["actor"] = self
                .actors
                .iter()
                .map(|(role, who)| {
                    json!({"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": role}]},
                           "reference": {"reference": who}})
                })
                .collect();
        }
        if let Some(a) = self.action {
            provision["action"] = json!([{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/access-level", "code": a}]}]);
        }
        if let Some(r) = self.data_related {
            provision["data"] = json!([{"meaning": "related", "reference": {"reference": r}}]);
        }
        json!({
            "resourceType": "Consent",
            "status": "active",
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
            "category": [{"coding": [{"system": "https://nordlys.no/fhir/CodeSystem/grant-kind", "code": self.kind}]}],
            "patient": {"reference": self.patient},
            "dateTime": now,
            "performer": [{"reference": self.performer}],
            "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": rule}]},
            "provision": provision
        })
    }
}

/// Collects deviations from the spec; [`Deviations::finish`] fails the test with all.
#[derive(Default)]
pub struct Deviations {
    test: String,
    found: Vec<String>,
}

impl Deviations {
    pub fn new(test: &str) -> Deviations {
        Deviations {
            test: test.to_owned(),
            found: Vec::new(),
        }
    }

    /// Records a deviation unless `expected == got`.
    pub fn eq<T: PartialEq + Debug>(&mut self, what: &str, expected: T, got: T) {
        if expected != got {
            self.found.push(format!(
                "{what}\n      expected: {expected:?}\n      got:      {got:?}"
            ));
        }
    }

    /// Records a deviation unless `ok`.
    pub fn check(&mut self, what: &str, ok: bool, detail: impl Debug) {
        if !ok {
            self.found.push(format!("{what}\n      got: {detail:?}"));
        }
    }

    /// Compares two sets and names what is missing and what is extra.
    pub fn same_set(&mut self, what: &str, expected: &BTreeSet<String>, got: &BTreeSet<String>) {
        if expected != got {
            let missing: Vec<&String> = expected.difference(got).collect();
            let extra: Vec<&String> = got.difference(expected).collect();
            self.found.push(format!(
                "{what}\n      expected {} items, got {}\n      missing: {missing:?}\n      extra:   {extra:?}",
                expected.len(),
                got.len()
            ));
        }
    }

    pub fn finish(self) {
        assert!(
            self.found.is_empty(),
            "{}: {} deviation(s) from the spec:\n  - {}",
            self.test,
            self.found.len(),
            self.found.join("\n  - ")
        );
    }
}

/// Reads every id; records each that does not answer exactly like a never-used id.
pub async fn expect_hidden(d: &Demo, dev: &mut Deviations, who: &str, token: &str, items: &[&str]) {
    for item in items {
        let (rt, id) = item.split_once('/').unwrap_or_default();
        let (status, body) = d.get(&format!("/fhir/{item}"), token).await;
        let (unknown_status, unknown_body) = d.unknown_answer(rt, id, token).await;
        assert_eq!(unknown_status, StatusCode::NOT_FOUND, "{unknown_body}");
        dev.eq(
            &format!("{who} reads {item}: the answer of a never-used id"),
            (unknown_status, unknown_body),
            (status, body.to_string()),
        );
    }
}
