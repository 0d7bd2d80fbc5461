//! `_include`, `_revinclude` and `_revinclude:iterate`: what is included must be
//! visible, and reached only through references the principal can see.
use std::collections::BTreeSet;

use nordlys_policy::Level;

use super::check::{Checker, Expected, Who};

/// `(source type, parameter, reverse, iterate)` of one `_include`/`_revinclude`.
type IncludeSpec = (&'static str, &'static str, bool, bool);

/// One include search: the type searched, the query and the specs it contains.
type IncludeCase = (&'static str, Vec<(&'static str, String)>, Vec<IncludeSpec>);

impl Checker<'_> {
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
                        } else if !self.refs(f, param).is_empty() {
                            self.probe("_include of a reference the metadata view removes");
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
        let cases: [IncludeCase; 4] = [
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
}
