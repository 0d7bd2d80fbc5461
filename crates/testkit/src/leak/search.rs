//! Search paths: by type, by patient, `_summary=count` and totals, `_include` and
//! `_revinclude` (with `:iterate`), chained parameters and `_has`.
use std::collections::BTreeSet;

use nordlys_policy::Level;
use nordlys_store::search::SearchResult;

use super::check::{Checker, Expected, Who};
use super::world::{Item, CODES};

/// `(source type, parameter, reverse, iterate)` of one `_include`/`_revinclude`.
type IncludeSpec = (&'static str, &'static str, bool, bool);

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
            Ok(r) => Some(r),
            Err(e) => {
                self.fail(who, &path, "-", format!("ERROR {e:?}"));
                None
            }
        }
    }

    /// Runs the search and compares matches (and, if given, included) with the oracle.
    /// With `count`, also `_summary=count` (the count-only path).
    async fn expect_search(
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

    /// What the store's include algorithm must return, over visible items only, following
    /// only references the principal can see.
    fn simulate_includes(&self, who: &Who, matches: &Expected, specs: &[IncludeSpec]) -> Expected {
        let mut seen: BTreeSet<String> = matches.keys().map(|(r, _)| r.clone()).collect();
        let mut frontier: Vec<String> = seen.iter().cloned().collect();
        let mut out = Expected::new();
        for round in 0..=4 {
            let mut found: Vec<String> = Vec::new();
            for (source, param, reverse, iterate) in specs.iter().filter(|s| round == 0 || s.3) {
                let _ = iterate;
                if *reverse {
                    for item in self
                        .world
                        .items
                        .iter()
                        .filter(|i| i.resource_type() == *source)
                    {
                        let r = item.reference();
                        let d = self.expect(who, &r, None);
                        if self.refs(&r, param).iter().any(|t| frontier.contains(t))
                            && self.searchable(&r, d, &[param])
                        {
                            found.push(r);
                        }
                    }
                } else {
                    for f in frontier
                        .iter()
                        .filter(|f| f.starts_with(&format!("{source}/")))
                    {
                        let d = self.expect(who, f, None);
                        if self.searchable(f, d, &[param]) {
                            found.extend(self.refs(f, param));
                        }
                    }
                }
            }
            let mut fresh = Vec::new();
            for r in found {
                let d = self.expect(who, &r, None);
                if d.level != Level::None && seen.insert(r.clone()) {
                    out.insert((r.clone(), 0), d);
                    fresh.push(r);
                }
            }
            if fresh.is_empty() {
                break;
            }
            frontier = fresh;
        }
        out
    }

    /// `_include`, `_revinclude` and `_revinclude:iterate`.
    pub async fn include_searches(&mut self, who: &Who) {
        let cases: [(&str, Vec<(&str, String)>, Vec<IncludeSpec>); 4] = [
            (
                "Observation",
                vec![("_include", "Observation:subject".into())],
                vec![("Observation", "subject", false, false)],
            ),
            (
                "DiagnosticReport",
                vec![("_include", "DiagnosticReport:result".into())],
                vec![("DiagnosticReport", "result", false, false)],
            ),
            (
                "Patient",
                vec![("_revinclude", "Observation:subject".into())],
                vec![("Observation", "subject", true, false)],
            ),
            (
                "DocumentReference",
                vec![
                    ("_include", "DocumentReference:related".into()),
                    ("_include", "DocumentReference:encounter".into()),
                ],
                vec![
                    ("DocumentReference", "related", false, false),
                    ("DocumentReference", "encounter", false, false),
                ],
            ),
        ];
        for (rt, query, specs) in cases {
            let matches = self.visible(who, |i| i.resource_type() == rt, &[]);
            let included = self.simulate_includes(who, &matches, &specs);
            self.expect_search(who, rt, &query, &matches, Some(&included), false)
                .await;
        }
        let firsts: Vec<String> = self
            .world
            .items
            .iter()
            .filter(|i| i.id().ends_with("-ref1"))
            .map(|i| i.id().to_string())
            .collect();
        for r1 in firsts {
            let matches = self.visible(
                who,
                |i| i.resource_type() == "ServiceRequest" && i.id() == r1,
                &[],
            );
            let specs: Vec<IncludeSpec> = vec![
                ("ServiceRequest", "based-on", true, true),
                ("ServiceRequest", "replaces", true, true),
                ("Encounter", "based-on", true, true),
                ("DocumentReference", "related", true, false),
            ];
            let included = self.simulate_includes(who, &matches, &specs);
            let query = vec![
                ("_id", r1.clone()),
                ("_revinclude:iterate", "ServiceRequest:based-on".to_string()),
                ("_revinclude:iterate", "ServiceRequest:replaces".to_string()),
                ("_revinclude:iterate", "Encounter:based-on".to_string()),
                ("_revinclude", "DocumentReference:related".to_string()),
            ];
            self.expect_search(
                who,
                "ServiceRequest",
                &query,
                &matches,
                Some(&included),
                false,
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
                fam && c.searchable(r, d, &["name"])
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
                c.world
                    .items
                    .iter()
                    .any(|i| i.reference() == r && code_of(i) == Some(code))
                    && c.searchable(r, d, &["code"])
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
