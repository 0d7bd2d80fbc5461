//! Paths that fetch items by id: read, vread, instance and type history,
//! `Patient/$everything` and batch Bundles with GET entries.
use nordlys_policy::Level;
use nordlys_store::outcome::error_outcome;
use nordlys_store::{HistoryQuery, StoreError};
use serde_json::{json, Value};

use super::check::{reason, Checker, Expected, Who};

fn is_not_found(e: &StoreError, rt: &str, id: &str) -> bool {
    matches!(e, StoreError::NotFound { resource_type, id: i } if resource_type == rt && i == id)
}

impl Checker<'_> {
    /// `read` and `vread` of every version of every item: hidden = NotFound exactly
    /// as for an id never used.
    pub async fn reads(&mut self, who: &Who) {
        let ctx = self.ctx(who);
        let items: Vec<(String, String, usize)> = self
            .world
            .items
            .iter()
            .map(|i| {
                (
                    i.resource_type().to_string(),
                    i.id().to_string(),
                    i.versions.len(),
                )
            })
            .collect();
        for (rt, id, n) in items {
            let reference = format!("{rt}/{id}");
            let d = self.expect(who, &reference, None);
            self.levels[d.level as usize] += 1;
            self.calls += 1;
            let got = self.store.read(&ctx, &rt, &id).await;
            self.one_read(who, "read", &reference, None, got, d, &rt, &id);
            for v in 1..=n {
                let d = self.expect(who, &reference, Some(v));
                if d.level
                    < self
                        .oracle
                        .decide_own_version(&who.principal, &who.refs, &reference, v)
                {
                    self.probe("older version closed by a later label");
                }
                self.calls += 1;
                let got = self.store.vread(&ctx, &rt, &id, v as i64).await;
                self.one_read(
                    who,
                    &format!("vread v{v}"),
                    &reference,
                    Some(v),
                    got,
                    d,
                    &rt,
                    &id,
                );
            }
        }
        self.calls += 1;
        self.assertions += 1;
        if !matches!(
            self.store.read(&ctx, "Observation", "never-used").await,
            Err(StoreError::NotFound { .. })
        ) {
            self.fail(
                who,
                "read",
                "Observation/never-used",
                "an unknown id is not NotFound".into(),
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn one_read(
        &mut self,
        who: &Who,
        path: &str,
        reference: &str,
        version: Option<usize>,
        got: Result<nordlys_store::StoredResource, StoreError>,
        d: nordlys_policy::Decision,
        rt: &str,
        id: &str,
    ) {
        self.assertions += 1;
        match (got, d.level) {
            (Ok(s), _) => {
                let body: Value = serde_json::from_str(&s.body).unwrap_or(Value::Null);
                self.check_body(who, path, reference, version, &body, d);
            }
            (Err(e), Level::None) if is_not_found(&e, rt, id) => {}
            (Err(e), Level::None) => self.fail(
                who,
                path,
                reference,
                format!("hidden item answers {e:?}, not NotFound like an unknown id"),
            ),
            (Err(e), _) => self.fail(
                who,
                path,
                reference,
                format!("MISSING: {e:?}, expected {}", reason(d)),
            ),
        }
    }

    /// Type history of every type, instance history of relabelled items and Binaries.
    pub async fn histories(&mut self, who: &Who) {
        let ctx = self.ctx(who);
        let mut types: Vec<String> = self
            .world
            .items
            .iter()
            .map(|i| i.resource_type().to_string())
            .collect();
        types.sort();
        types.dedup();
        // Type history covers every version of every item; instance history is run
        // for the items with more than one version (labelled after the fact).
        let keys: Vec<(String, String)> = self
            .world
            .items
            .iter()
            .filter(|i| i.versions.len() > 1 || i.resource_type() == "Binary")
            .map(|i| (i.resource_type().to_string(), i.id().to_string()))
            .collect();
        for (rt, id) in keys
            .iter()
            .map(|(r, i)| (Some(r.clone()), Some(i.clone())))
            .chain(types.iter().map(|t| (Some(t.clone()), None)))
        {
            let q = HistoryQuery {
                resource_type: rt.clone(),
                id: id.clone(),
                since: None,
                count: 1000,
                offset: 0,
            };
            let path = match &id {
                Some(i) => format!("history {}/{i}", rt.clone().unwrap_or_default()),
                None => format!("history {}", rt.clone().unwrap_or_default()),
            };
            let mut expected = Expected::new();
            for item in self
                .world
                .items
                .iter()
                .filter(|i| Some(i.resource_type()) == rt.as_deref())
            {
                if id.as_deref().is_some_and(|x| x != item.id()) {
                    continue;
                }
                for v in 1..=item.versions.len() {
                    let d = self.expect(who, &item.reference(), Some(v));
                    if d.level != Level::None {
                        expected.insert((item.reference(), v), d);
                    }
                }
            }
            self.calls += 1;
            match self.store.history(&ctx, &q).await {
                Ok(got) => self.compare(who, &path, &expected, &got, true),
                Err(e) => self.fail(who, &path, "-", format!("ERROR {e:?}")),
            }
        }
    }

    /// `Patient/$everything` for every patient.
    pub async fn everything(&mut self, who: &Who) {
        let ctx = self.ctx(who);
        for pid in self.world.patients.clone() {
            let path = format!("Patient/{pid}/$everything");
            let patient = format!("Patient/{pid}");
            let pd = self.expect(who, &patient, None);
            self.calls += 1;
            let got = self.store.everything(&ctx, &pid).await;
            self.assertions += 1;
            let got = match (got, pd.level) {
                (Err(e), Level::None) if is_not_found(&e, "Patient", &pid) => continue,
                (Err(e), _) => {
                    self.fail(
                        who,
                        &path,
                        &patient,
                        format!("ERROR {e:?}, patient expected {}", reason(pd)),
                    );
                    continue;
                }
                (Ok(_), Level::None) => {
                    self.fail(
                        who,
                        &path,
                        &patient,
                        format!(
                            "LEAK: answered for a hidden patient, expected {}",
                            reason(pd)
                        ),
                    );
                    continue;
                }
                (Ok(v), _) => v,
            };
            let expected = self.visible(who, |i| i.patient.as_deref() == Some(pid.as_str()), &[]);
            let (log, data): (Vec<_>, Vec<_>) = got
                .into_iter()
                .partition(|s| s.resource_type == "AuditEvent");
            self.compare(who, &path, &expected, &data, false);
            self.check_log_entries(who, &path, &log).await;
        }
    }

    /// A batch with a GET of every item of one patient and an unknown id; each entry
    /// must answer as the single read would (hidden = exactly as unknown).
    pub async fn batches(&mut self, who: &Who) {
        let ctx = self.ctx(who);
        // One patient per principal (chosen from its label, so reproducible): every
        // entry is a full read in the store, already checked item by item above.
        let n = self.world.patients.len().max(1);
        let pick = who.label.bytes().map(usize::from).sum::<usize>() % n;
        for pid in self
            .world
            .patients
            .iter()
            .skip(pick)
            .take(1)
            .cloned()
            .collect::<Vec<_>>()
        {
            let refs: Vec<String> = self
                .world
                .items
                .iter()
                .filter(|i| i.patient.as_deref() == Some(pid.as_str()))
                .map(|i| i.reference())
                .collect();
            let mut urls: Vec<String> = refs.clone();
            urls.push("Observation/never-used".into());
            let entries: Vec<Value> = urls
                .iter()
                .map(|u| json!({"request": {"method": "GET", "url": u}}))
                .collect();
            let bundle = json!({"resourceType": "Bundle", "type": "batch", "entry": entries});
            let path = format!("batch GET ({pid})");
            self.calls += 1;
            let answer = match self.store.bundle(&ctx, bundle).await {
                Ok(a) => a,
                Err(e) => {
                    self.fail(who, &path, "-", format!("ERROR {e:?}"));
                    continue;
                }
            };
            let answers = answer["entry"].as_array().cloned().unwrap_or_default();
            self.assertions += 1;
            if answers.len() != urls.len() {
                self.fail(
                    who,
                    &path,
                    "-",
                    format!("{} answers for {} entries", answers.len(), urls.len()),
                );
                continue;
            }
            for (url, entry) in urls.iter().zip(answers) {
                let (rt, id) = url.split_once('/').unwrap_or_default();
                let d = self.expect(who, url, None);
                let status = entry
                    .pointer("/response/status")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                self.assertions += 1;
                if d.level == Level::None {
                    let (_, oo) = error_outcome(&StoreError::NotFound {
                        resource_type: rt.into(),
                        id: id.into(),
                    });
                    if !status.starts_with("404")
                        || entry.pointer("/response/outcome") != Some(&oo)
                        || entry.get("resource").is_some()
                    {
                        self.fail(
                            who,
                            &path,
                            url,
                            format!("hidden item answers {status}, not exactly as an unknown id"),
                        );
                    }
                } else if status.starts_with("200") {
                    let body = entry.get("resource").cloned().unwrap_or(Value::Null);
                    self.check_body(who, &path, url, None, &body, d);
                } else {
                    self.fail(
                        who,
                        &path,
                        url,
                        format!("MISSING: answers {status}, expected {}", reason(d)),
                    );
                }
            }
        }
    }
}
