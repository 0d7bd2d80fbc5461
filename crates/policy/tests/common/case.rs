//! One test case: a world, a question, the expected answer.
use chrono::{DateTime, Utc};
use nordlys_policy::*;
use serde_json::{json, Value};

use super::*;

#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub age: Age,
    pub who: Who,
    pub target: Item,
    pub others: Vec<Item>,
    pub audited: Option<Item>,
    pub grants: Vec<C>,
    pub now: DateTime<Utc>,
    pub config: PolicyConfig,
    pub patient_patch: Vec<(&'static str, Value)>,
    pub related_patch: Vec<(&'static str, &'static str, Value)>,
    pub principal_refs: Vec<String>,
    pub expect: Option<(Level, String, Option<bool>)>,
}

/// A case with defaults: adult patient asking about a plain document of ORG_A.
pub fn case(name: impl Into<String>) -> Case {
    Case {
        name: name.into(),
        age: Age::Adult,
        who: Who::Myself,
        target: doc(),
        others: Vec::new(),
        audited: None,
        grants: Vec::new(),
        now: now(),
        config: PolicyConfig::default(),
        patient_patch: Vec::new(),
        related_patch: Vec::new(),
        principal_refs: Vec::new(),
        expect: None,
    }
}

impl Case {
    pub fn age(mut self, a: Age) -> Case {
        self.age = a;
        self
    }
    pub fn who(mut self, w: Who) -> Case {
        self.who = w;
        self
    }
    pub fn item(mut self, i: Item) -> Case {
        self.target = i;
        self
    }
    pub fn with(mut self, i: Item) -> Case {
        self.others.push(i);
        self
    }
    pub fn audited(mut self, i: Item) -> Case {
        self.audited = Some(i);
        self
    }
    pub fn grant(mut self, g: C) -> Case {
        self.grants.push(g);
        self
    }
    /// The youth's parental consent, given by the mother.
    pub fn consent(self) -> Case {
        self.grant(grant("parental-consent"))
    }
    pub fn at(mut self, when: &str) -> Case {
        self.now = t(when);
        self
    }
    pub fn config(mut self, f: impl FnOnce(&mut PolicyConfig)) -> Case {
        f(&mut self.config);
        self
    }
    pub fn patient(mut self, key: &'static str, v: Value) -> Case {
        self.patient_patch.push((key, v));
        self
    }
    pub fn related(mut self, id: &'static str, key: &'static str, v: Value) -> Case {
        self.related_patch.push((id, key, v));
        self
    }
    pub fn refs(mut self, r: &str) -> Case {
        self.principal_refs.push(r.into());
        self
    }
    pub fn expect(mut self, level: Level, reason_prefix: &str) -> Case {
        self.expect = Some((level, reason_prefix.into(), None));
        self
    }
    pub fn notify(mut self, n: bool) -> Case {
        if let Some(e) = self.expect.as_mut() {
            e.2 = Some(n);
        }
        self
    }

    pub fn patient_json(&self) -> Value {
        let mut p = json!({"resourceType": "Patient", "id": "p", "name": [{"text": "Kari"}],
            "identifier": [{"system": FNR_SYSTEM, "value": PATIENT_PID}], "birthDate": self.age.birth(),
            "address": [{"use": "home", "line": ["Storgata 1"], "postalCode": "9008"}]});
        for (k, v) in &self.patient_patch {
            p[*k] = v.clone();
        }
        p
    }

    pub fn related_json(&self) -> Vec<Value> {
        let resp = |start: &str| {
            json!([{"url": PARENTAL_RESPONSIBILITY_URL, "extension": [
            {"url": "value", "valueBoolean": true}, {"url": "period", "valuePeriod": {"start": start}}]}])
        };
        let person = |id: &str, pid: &str, rel: &str, line: &str| {
            json!({"resourceType": "RelatedPerson", "id": id,
            "patient": {"reference": "Patient/p"}, "identifier": [{"system": FNR_SYSTEM, "value": pid}],
            "relationship": [{"coding": [{"system": ROLE, "code": rel}]}],
            "address": [{"use": "home", "line": [line], "postalCode": "9008"}]})
        };
        let mut mother = person("mother", MOTHER_PID, "MTH", "Storgata 1");
        mother["extension"] = resp("2000-01-01");
        let mut father = person("father", FATHER_PID, "FTH", "Fjellveien 2");
        father["extension"] = resp("2000-01-01");
        let mut all = vec![
            mother,
            father,
            person("foster", FOSTER_PID, "FOSTER", "Elvegata 3"),
            person("guardian", GUARDIAN_PID, "GUARD", "Elvegata 4"),
        ];
        for (id, k, v) in &self.related_patch {
            for r in all.iter_mut().filter(|r| r["id"] == *id) {
                r[*k] = v.clone();
            }
        }
        all
    }

    pub fn principal(&self) -> Principal {
        let citizen = |pid: &str| Principal::Citizen {
            pid: pid.into(),
            level: SecurityLevel::High,
        };
        match &self.who {
            Who::Myself => citizen(PATIENT_PID),
            Who::Mother => citizen(MOTHER_PID),
            Who::Father => citizen(FATHER_PID),
            Who::Foster => citizen(FOSTER_PID),
            Who::Guardian => citizen(GUARDIAN_PID),
            Who::ProxyFull | Who::ProxyLimited => citizen(PROXY_PID),
            Who::Stranger => citizen(STRANGER_PID),
            Who::Citizen(pid) => citizen(pid),
            Who::LowAssurance => Principal::Citizen {
                pid: PATIENT_PID.into(),
                level: SecurityLevel::Substantial,
            },
            Who::Practitioner(org, purpose) => Principal::Practitioner {
                hpr: HPR.into(),
                orgnr: (*org).into(),
                purpose: purpose.and_then(Purpose::from_code),
            },
            Who::System(org, scopes) => Principal::System {
                client_id: "sys".into(),
                orgnr: (*org).into(),
                scopes: scopes.split_whitespace().map(str::to_string).collect(),
            },
        }
    }

    /// The grants of the case, with those that `who` implies (foster, guardian, proxy).
    pub fn all_grants(&self) -> Vec<Grant> {
        let mut gs: Vec<C> = self.grants.clone();
        match self.who {
            Who::Foster => gs.push(grant("foster-parent").actor_ref("RelatedPerson/foster")),
            Who::Guardian => gs.push(grant("lacks-capacity").actor_ref("RelatedPerson/guardian")),
            Who::ProxyFull => gs.push(grant("proxy").actor_pid(PROXY_PID).action("full")),
            Who::ProxyLimited => gs.push(grant("proxy").actor_pid(PROXY_PID).action("limited")),
            _ => {}
        }
        gs.iter().map(C::parse).collect()
    }

    fn facts_of(&self, i: &Item, patient: &Value) -> ItemFacts {
        item_facts(
            i.json.as_ref().unwrap_or(patient),
            i.stored,
            i.owner.as_deref(),
        )
    }

    /// Runs the decision (and `opens_at`) for this case.
    pub fn run(&self) -> (Decision, Option<DateTime<Utc>>) {
        let pj = self.patient_json();
        let patient = patient_facts(&pj, &self.related_json());
        let target = self.facts_of(&self.target, &pj);
        let others: Vec<ItemFacts> = self.others.iter().map(|i| self.facts_of(i, &pj)).collect();
        let audited = self.audited.as_ref().map(|i| self.facts_of(i, &pj));
        let links = LinkGraph::from_items(others.iter().chain([&target]).chain(audited.as_ref()));
        let grants = self.all_grants();
        let principal = self.principal();
        let relations = match &principal {
            Principal::Citizen { pid, .. } => relation_candidates(pid, &patient, &grants, self.now),
            _ => Vec::new(),
        };
        let input = DecisionInput {
            principal: &principal,
            principal_refs: &self.principal_refs,
            relations: &relations,
            patient: &patient,
            item: &target,
            audited: audited.as_ref(),
            links: &links,
            grants: &grants,
            now: self.now,
            config: &self.config,
        };
        (decide(&input), opens_at(&input))
    }
}

/// Runs every row; panics listing all rows that disagree. Returns the number checked.
pub fn check(rows: &[Case]) -> usize {
    let mut failures = Vec::new();
    for row in rows {
        let Some((level, prefix, notify)) = &row.expect else {
            failures.push(format!("{}: no expectation", row.name));
            continue;
        };
        let (d, _) = row.run();
        let code = d.reason.code();
        let notify_ok = notify.is_none_or(|n| n == d.notify_patient);
        if d.level != *level || !code.starts_with(prefix.as_str()) || !notify_ok {
            failures.push(format!(
                "{}: expected {:?} {prefix}{}, got {:?} {code} (notify {})",
                row.name,
                level,
                notify.map(|n| format!(" notify={n}")).unwrap_or_default(),
                d.level,
                d.notify_patient
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    rows.len()
}
