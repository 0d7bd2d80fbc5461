//! Search paths: by type, by patient, `_summary=count` and totals, `_include` and
//! `_revinclude` (with `:iterate`), chained parameters and `_has`.
use std::collections::BTreeSet;

use nordlys_policy::Principal;
use nordlys_store::search::SearchResult;
use nordlys_store::StoreError;

use super::check::{Checker, Expected, Who};
use super::world::{Item, CODES};

fn no_purpose(who: &Who) -> bool {
    matches!(who.principal, Principal::Practitioner { purpose: None, .. })
}

fn code_of(item: &Item) -> Option<&str> {
    item.current()
        .pointer("/code/coding/0/code")
        .and_then(|v| v.as_str())
}

impl Checker<'_> {
    async fn run(&mut self, who: &Who, rt: &str, query: &[(&str, String)]) -> Option<SearchResult> {
        let path = format!(
            "search {rt}?{}",
            query
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        );
        let params: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let request = match self.store.parse_search(rt, &params, false) {
            Ok(r) => r,
            Err(e) => {
                self.fail(who, &path, "-", format!("ERROR parse: {e:?}"));
                return None;
            }
        };
        self.calls += 1;
        match self.store.search(&self.ctx(who), &request).await {
            Ok(r) => {
                // Directory data is for every principal: never refused.
                if !nordlys_policy::DIRECTORY_TYPES.contains(&rt) {
                    self.refusals.1 += 1;
                }
                Some(r)
            }
            Err(StoreError::Forbidden(_)) if no_purpose(who) => {
                // § 9: 403 for a practitioner without a care relationship; judged per
                // principal (it must not depend on hidden matches), see `refusals`.
                self.refusals.0 += 1;
                None
            }
            Err(e) => {
                self.fail(who, &path, "-", format!("ERROR {e:?}"));
                None
            }
        }
    }

    /// Runs the search and compares matches (and, if given, included) with the oracle.
    /// With `count`, also `_summary=count` (the count-only path).
    pub(super) async fn expect_search(
        &mut self,
        who: &Who,
        rt: &str,
        query: &[(&str, String)],
        matches: &Expected,
        included: Option<&Expected>,
        count: bool,
    ) {
        let mut q: Vec<(&str, String)> = query.to_vec();
        q.push(("_count", "1000".into()));
        let path = format!(
            "search {rt}?{}",
            query
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        );
        let Some(result) = self.run(who, rt, &q).await else {
            return;
        };
        self.compare(who, &path, matches, &result.matches, false);
        if let Some(inc) = included {
            self.compare(
                who,
                &format!("{path} (included)"),
                inc,
                &result.included,
                false,
            );
        }
        self.assertions += 1;
        if result.total != Some(matches.len()) {
            self.fail(
                who,
                &path,
                "-",
                format!("total {:?}, expected {}", result.total, matches.len()),
            );
        }
        if !count {
            return;
        }
        q.retain(|(k, _)| {
            *k != "_count" && !k.starts_with("_include") && !k.starts_with("_revinclude")
        });
        q.push(("_summary", "count".into()));
        if let Some(count) = self.run(who, rt, &q).await {
            self.assertions += 1;
            if count.total != Some(matches.len()) || !count.matches.is_empty() {
                self.fail(
                    who,
                    &format!("{path}&_summary=count"),
                    "-",
                    format!("count {:?}, expected {}", count.total, matches.len()),
                );
            }
        }
    }

    /// A practitioner without a care relationship may be refused searches (403), but
    /// the refusal must not depend on data it cannot see: refusing some searches and
    /// answering others tells it where hidden matches are.
    pub fn judge_refusals(&mut self, who: &Who) {
        let (refused, answered) = std::mem::take(&mut self.refusals);
        self.assertions += 1;
        if refused > 0 && answered > 0 {
            self.fail(
                who,
                "search (403)",
                "-",
                format!("EXISTENCE: {refused} searches refused with 403 and {answered} answered: the refusal depends on hidden matches"),
            );
        }
    }

    /// Every type without parameters, and every (type, patient) with `patient=`.
    pub async fn type_searches(&mut self, who: &Who) {
        let mut types: Vec<String> = self
            .world
            .items
            .iter()
            .map(|i| i.resource_type().to_string())
            .collect();
        types.sort();
        types.dedup();
        for rt in &types {
            let expected = self.visible(who, |i| i.resource_type() == rt, &[]);
            self.expect_search(who, rt, &[], &expected, None, true)
                .await;
        }
        for pid in self.world.patients.clone() {
            for rt in types
                .iter()
                .filter(|t| !matches!(t.as_str(), "Organization" | "Practitioner" | "Binary"))
            {
                let in_patient = |i: &Item| {
                    i.resource_type() == rt && i.patient.as_deref() == Some(pid.as_str())
                };
                let (param, value, params): (&str, String, &[&str]) = if rt == "Patient" {
                    ("_id", pid.clone(), &[])
                } else {
                    ("patient", format!("Patient/{pid}"), &["patient"])
                };
                let expected = self.visible(who, in_patient, params);
                self.expect_search(who, rt, &[(param, value)], &expected, None, false)
                    .await;
            }
            let obs = |i: &Item| {
                i.resource_type() == "Observation" && i.patient.as_deref() == Some(pid.as_str())
            };
            let expected = self.visible(who, obs, &["subject"]);
            self.expect_search(
                who,
                "Observation",
                &[("subject", format!("Patient/{pid}"))],
                &expected,
                None,
                false,
            )
            .await;
        }
        for code in CODES {
            let expected = self.visible(
                who,
                |i| i.resource_type() == "Observation" && code_of(i) == Some(code),
                &["code"],
            );
            self.expect_search(
                who,
                "Observation",
                &[("code", code.to_string())],
                &expected,
                None,
                true,
            )
            .await;
        }
    }

    /// Chains and `_has` must not match through items the principal cannot see, nor
    /// on elements the metadata view hides.
    pub async fn chain_searches(&mut self, who: &Who) {
        for family in self.world.families.clone() {
            let name_ok = |c: &Self, r: &str| {
                let d = c.expect(who, r, None);
                let fam = c
                    .stored_body(r, None)
                    .and_then(|b| b.pointer("/name/0/family"))
                    .and_then(|v| v.as_str())
                    == Some(family.as_str());
                let ok = c.searchable(r, d, &["name"]);
                if fam && !ok {
                    c.probe("chain through a hidden Patient");
                }
                fam && ok
            };
            let expected: Expected = self
                .visible(who, |i| i.resource_type() == "Observation", &["subject"])
                .into_iter()
                .filter(|((r, _), _)| self.refs(r, "subject").iter().any(|p| name_ok(self, p)))
                .collect();
            self.expect_search(
                who,
                "Observation",
                &[("subject:Patient.name", family.clone())],
                &expected,
                None,
                true,
            )
            .await;
        }
        for code in CODES {
            let has_code = |c: &Self, r: &str| {
                let d = c.expect(who, r, None);
                let coded = c
                    .world
                    .items
                    .iter()
                    .any(|i| i.reference() == r && code_of(i) == Some(code));
                let ok = c.searchable(r, d, &["code"]);
                if coded && !ok {
                    c.probe("chain/_has through a hidden or masked Observation");
                }
                coded && ok
            };
            let reports: Expected = self
                .visible(
                    who,
                    |i| i.resource_type() == "DiagnosticReport",
                    &["result"],
                )
                .into_iter()
                .filter(|((r, _), _)| self.refs(r, "result").iter().any(|o| has_code(self, o)))
                .collect();
            self.expect_search(
                who,
                "DiagnosticReport",
                &[("result:Observation.code", code.to_string())],
                &reports,
                None,
                true,
            )
            .await;
            let observations: Vec<String> = self
                .world
                .items
                .iter()
                .filter(|i| i.resource_type() == "Observation")
                .map(Item::reference)
                .filter(|o| {
                    has_code(self, o) && self.searchable(o, self.expect(who, o, None), &["subject"])
                })
                .collect();
            let subjects: BTreeSet<String> = observations
                .iter()
                .flat_map(|o| self.refs(o, "subject"))
                .collect();
            let patients = self.visible(who, |i| subjects.contains(&i.reference()), &[]);
            self.expect_search(
                who,
                "Patient",
                &[("_has:Observation:subject:code", code.to_string())],
                &patients,
                None,
                true,
            )
            .await;
        }
        let observations: Vec<String> = self
            .world
            .items
            .iter()
            .filter(|i| i.resource_type() == "Observation")
            .map(Item::reference)
            .collect();
        for o in observations {
            let d = self.expect(who, &o, None);
            let subjects: BTreeSet<String> = if self.searchable(&o, d, &["subject"]) {
                self.refs(&o, "subject").into_iter().collect()
            } else {
                self.probe("_has through a hidden Observation");
                BTreeSet::new()
            };
            let patients = self.visible(who, |i| subjects.contains(&i.reference()), &[]);
            let id = o.trim_start_matches("Observation/").to_string();
            self.expect_search(
                who,
                "Patient",
                &[("_has:Observation:subject:_id", id)],
                &patients,
                None,
                true,
            )
            .await;
        }
    }
}
