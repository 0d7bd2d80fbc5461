//! The portal as a path of the leak test: whom a citizen may act for, and every
//! tile's list for each of those persons, compared with the oracle.
//!
//! Why here: the portal builds its pages from store calls made with the citizen's
//! context, but it groups, joins and labels what it gets (threads, histories,
//! timelines, "metadata only" badges). A tile that fetched something by another
//! route, or marked a redacted item as whole, would leak through the page while
//! every FHIR path stayed clean.
use std::collections::BTreeSet;
use std::sync::Arc;

use nordlys_api::Auth;
use nordlys_policy::{Level, Principal};
use nordlys_portal::session::{Citizen, Session};
use nordlys_portal::{Lang, PortalConfig, PortalState};

use super::check::{reason, Checker, Who};

/// Item types every visible one of which some tile must list.
const LISTED_TYPES: [&str; 2] = ["DocumentReference", "DiagnosticReport"];

impl Checker<'_> {
    pub async fn portal(&mut self, who: &Who) {
        let Principal::Citizen { pid, level } = &who.principal else {
            return;
        };
        if *level < nordlys_policy::SecurityLevel::High {
            return;
        }
        let auth = match Auth::new(&[], false) {
            Ok(a) => Arc::new(a),
            Err(e) => return self.fail(who, "portal", "-", format!("ERROR auth: {e}")),
        };
        let state = PortalState::new(self.store.clone(), auth, PortalConfig::default());
        let ctx = self.ctx(who);
        self.calls += 1;
        let represented = match self.store.represented(&ctx).await {
            Ok(r) => r,
            Err(e) => return self.fail(who, "portal chooser", "-", format!("ERROR {e}")),
        };
        let got: BTreeSet<String> = represented.iter().map(|r| r.patient.id.clone()).collect();
        let expected: BTreeSet<String> = self
            .world
            .patients
            .iter()
            .filter(|p| self.expect(who, &format!("Patient/{p}"), None).level != Level::None)
            .cloned()
            .collect();
        self.assertions += 1;
        for p in got.difference(&expected) {
            self.fail(
                who,
                "portal chooser",
                &format!("Patient/{p}"),
                "LEAK: offered, patient hidden".into(),
            );
        }
        for p in expected.difference(&got) {
            self.fail(
                who,
                "portal chooser",
                &format!("Patient/{p}"),
                "MISSING: patient visible, not offered".into(),
            );
        }
        for patient in &got {
            let mut session = Session::new(String::new(), pid.clone(), false);
            session.acting_for = Some(patient.clone());
            let citizen = Citizen {
                sid: String::new(),
                session,
                ctx: ctx.clone(),
                lang: Lang::Nb,
            };
            let mut listed: BTreeSet<String> = BTreeSet::new();
            for tile in nordlys_portal::tiles::SLUGS {
                self.calls += 1;
                let rows =
                    match nordlys_portal::tiles::rows_for(&state, &citizen, tile, patient).await {
                        Ok(r) => r,
                        Err(e) => {
                            self.fail(
                                who,
                                &format!("portal {tile}"),
                                patient,
                                format!("ERROR {:?}", e.0),
                            );
                            continue;
                        }
                    };
                for row in rows {
                    self.assertions += 1;
                    let d = self.expect(who, &row.reference, None);
                    let path = format!("portal {tile}");
                    if d.level == Level::None {
                        self.fail(
                            who,
                            &path,
                            &row.reference,
                            format!("LEAK: listed, expected {}", reason(d)),
                        );
                    } else if (d.level == Level::Metadata) != row.metadata_only {
                        self.fail(
                            who,
                            &path,
                            &row.reference,
                            format!(
                                "SHAPE: metadata badge {} but expected {}",
                                row.metadata_only,
                                reason(d)
                            ),
                        );
                    }
                    if d.level == Level::Metadata && row.metadata_only {
                        self.probe("portal tile listing a metadata-level item");
                    } else if d.level == Level::Full {
                        self.probe("portal tile listing an item in full");
                    }
                    listed.insert(row.reference);
                }
            }
            let should: Vec<String> = self
                .world
                .items
                .iter()
                .filter(|i| i.patient.as_deref() == Some(patient.as_str()))
                .filter(|i| LISTED_TYPES.contains(&i.resource_type()))
                .map(|i| {
                    format!(
                        "{}/{}",
                        i.resource_type(),
                        i.current()["id"].as_str().unwrap_or("")
                    )
                })
                .filter(|r| self.expect(who, r, None).level != Level::None)
                .collect();
            for r in should {
                self.assertions += 1;
                if !listed.contains(&r) {
                    let d = self.expect(who, &r, None);
                    self.fail(
                        who,
                        "portal tiles",
                        &r,
                        format!("MISSING: visible ({}) but on no tile", reason(d)),
                    );
                }
            }
        }
    }
}
