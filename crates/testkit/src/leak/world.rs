//! Random small worlds for the leak test: families with children of every age band
//! (and birthdays on, just before and just after "today"), parents with and without
//! parental responsibility, address rule met or not, confidential addresses, foster
//! parents, guardians and proxies; items of every category from two organisations,
//! with labels, deferrals, referral chains and grants of every kind.
//!
//! Why random and seeded: the rules interact (a label on a report closes its
//! Observations, a grant on a referral opens an onward referral's documents, a block
//! meets an emergency purpose…), and no hand-written table reaches every combination.
//! A fixed seed makes every failure reproducible: the seed is in every message.
use chrono::{Months, NaiveDate, TimeDelta};
use nordlys_fhir::ids::{generate_fnr, individual_range};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::build::{self, day, instant, Marks, PersonData, Responsibility};
use super::items::items_of;
use crate::fixtures::{HOSPITAL_ORG, OTHER_ORG};

/// The paediatric unit's organisation number (a receiver whose referrals are deferred 10 days).
pub fn paed_org() -> String {
    nordlys_fhir::ids::generate_orgnr(7)
}
/// HPR numbers of the practitioners of the hospital (A) and the other organisation (B).
pub const HPR_A: &str = "412345674";
pub const HPR_B: &str = "565501872";

/// One resource of the world, with its versions (import order) and owner.
#[derive(Debug, Clone)]
pub struct Item {
    pub versions: Vec<Value>,
    /// Organisation number recorded as owner at import.
    pub owner: String,
    /// The Patient whose compartment holds it.
    pub patient: Option<String>,
}

impl Item {
    pub fn current(&self) -> &Value {
        &self.versions[self.versions.len() - 1]
    }
    pub fn resource_type(&self) -> &str {
        self.current()["resourceType"].as_str().unwrap_or_default()
    }
    pub fn id(&self) -> &str {
        self.current()["id"].as_str().unwrap_or_default()
    }
    pub fn reference(&self) -> String {
        format!("{}/{}", self.resource_type(), self.id())
    }
}

/// A person who logs in: national id and who they are in the world.
#[derive(Debug, Clone)]
pub struct Citizen {
    pub pid: String,
    pub who: String,
}

/// A generated world.
#[derive(Debug, Clone)]
pub struct World {
    pub seed: u64,
    pub today: NaiveDate,
    pub items: Vec<Item>,
    pub citizens: Vec<Citizen>,
    /// Patient ids.
    pub patients: Vec<String>,
    /// Family names (for chained `name` searches).
    pub families: Vec<String>,
}

/// Observation codes in use (LOINC); one is the sensitive analyte of § 1's example.
pub const CODES: [&str; 3] = ["2345-7", "718-7", "7917-8"];
const FAMILIES: [&str; 6] = ["Nordmann", "Hansen", "Johansen", "Olsen", "Berg", "Haugen"];

pub(super) struct Gen {
    pub(super) rng: ChaCha8Rng,
    pub(super) today: NaiveDate,
    items: Vec<Item>,
    pub(super) citizens: Vec<Citizen>,
    individual: u16,
}

/// A person `years` old whose birthday was `days_since` days ago (negative: ahead).
pub(super) fn born(today: NaiveDate, years: u32, days_since: i64) -> NaiveDate {
    let anniversary = today
        .checked_sub_months(Months::new(12 * years))
        .unwrap_or(today);
    anniversary - TimeDelta::days(days_since)
}

impl Gen {
    pub(super) fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }
    pub(super) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.rng.random_range(0..xs.len())]
    }
    pub(super) fn ago(&self, days: i64) -> NaiveDate {
        self.today - TimeDelta::days(days)
    }
    pub(super) fn org(&mut self) -> String {
        if self.chance(50) {
            HOSPITAL_ORG
        } else {
            OTHER_ORG
        }
        .to_string()
    }

    pub(super) fn pid(&mut self, birth: NaiveDate) -> String {
        let range = individual_range(chrono::Datelike::year(&birth)).unwrap_or(0..=499);
        loop {
            self.individual = self.individual.wrapping_add(1);
            let span = range.end() - range.start() + 1;
            let individual = range.start() + self.individual % span;
            if let Some(pid) = generate_fnr(birth, individual, true) {
                return pid;
            }
        }
    }

    fn person(
        &mut self,
        birth: NaiveDate,
        family: &str,
        given: &str,
        address: &str,
        confidential: bool,
    ) -> PersonData {
        PersonData {
            pid: self.pid(birth),
            family: family.into(),
            given: given.into(),
            birth,
            address: address.into(),
            confidential,
        }
    }

    /// How many items the world holds so far.
    pub(super) fn item_count(&self) -> usize {
        self.items.len()
    }

    pub(super) fn push(&mut self, v: Value, owner: &str, patient: Option<&str>) {
        self.items.push(Item {
            versions: vec![v],
            owner: owner.to_string(),
            patient: patient.map(str::to_string),
        });
    }

    /// A birth date in a random age band, often with a birthday at 12, 16 or 18 within a day of today.
    fn child_birth(&mut self) -> NaiveDate {
        let today = self.today;
        match self.rng.random_range(0..9) {
            0 => born(
                today,
                self.rng.random_range(4..=11),
                self.rng.random_range(10..300),
            ),
            1 | 8 => born(
                today,
                self.rng.random_range(12..=15),
                self.rng.random_range(10..300),
            ),
            2 => born(
                today,
                self.rng.random_range(16..=17),
                self.rng.random_range(10..300),
            ),
            3 => born(
                today,
                self.rng.random_range(18..=60),
                self.rng.random_range(10..300),
            ),
            _ => {
                let years = *self.pick(&[12, 16, 18]);
                let offset = self.rng.random_range(-1..=1);
                born(today, years, offset)
            }
        }
    }

    /// Labels for one item: mostly none, sometimes each of the § 5 codes.
    pub(super) fn marks(&mut self) -> Marks {
        let mut m = Marks::default();
        match self.rng.random_range(0..100) {
            0..=59 => {}
            60..=63 => m.labels.push("NORN_FFL"),
            64..=66 => m.labels.push("NORN_EPO"),
            67..=71 => m.labels.push("NORN_FOR"),
            72..=78 => m.labels.push("NORN_FORANS"),
            79..=84 => m.labels.push("NORN_UNGDOM"),
            85..=89 => m.noru_until = Some(instant(self.ago(-20), 8)),
            90..=92 => m.noru_until = Some(instant(self.ago(5), 8)),
            93..=95 => m.labels.push("NORS"),
            _ => m.labels.push("N"),
        }
        m
    }

    /// An item date: recent, long ago, or on either side of the 12th birthday.
    pub(super) fn item_day(&mut self, birth: NaiveDate) -> NaiveDate {
        let twelve = nordlys_policy::birthday(birth, 12);
        let d = match self.rng.random_range(0..4) {
            0 if twelve <= self.today => twelve - TimeDelta::days(1),
            1 if twelve <= self.today => twelve,
            _ => {
                let days = self.rng.random_range(1..3000);
                self.ago(days)
            }
        };
        d.max(birth)
    }
}

/// Generates the world of `seed`, dated relative to `today` (Europe/Oslo).
pub fn generate(seed: u64, today: NaiveDate) -> World {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
        today,
        items: Vec::new(),
        citizens: Vec::new(),
        individual: (seed % 400) as u16,
    };
    g.push(
        build::organization("org-a", HOSPITAL_ORG, "Sykehuset", "hospital"),
        HOSPITAL_ORG,
        None,
    );
    g.push(
        build::organization("org-b", OTHER_ORG, "Legekontoret", "general-practice"),
        HOSPITAL_ORG,
        None,
    );
    g.push(
        build::organization("org-paed", &paed_org(), "Barneavdelingen", "paediatrics"),
        HOSPITAL_ORG,
        None,
    );
    g.push(build::practitioner("prac-a", HPR_A), HOSPITAL_ORG, None);
    g.push(build::practitioner("prac-b", HPR_B), OTHER_ORG, None);
    let mut patients = Vec::new();
    let mut families = Vec::new();
    let n_families = g.rng.random_range(2..=3);
    for f in 0..n_families {
        let family = FAMILIES[(seed as usize + f) % FAMILIES.len()].to_string();
        families.push(family.clone());
        let address = format!("{family}veien {}", f + 1);
        let n_parents = g.rng.random_range(1..=2);
        let mut parents = Vec::new();
        for (k, (role, given)) in [("MTH", "Mor"), ("FTH", "Far")]
            .into_iter()
            .take(n_parents)
            .enumerate()
        {
            let birth = born(
                today,
                g.rng.random_range(30..=55),
                g.rng.random_range(1..300),
            );
            let home = if g.chance(75) {
                address.clone()
            } else {
                format!("Annen gate {}", k + 1)
            };
            let confidential = g.chance(8);
            let p = g.person(birth, &family, given, &home, confidential);
            g.citizens.push(Citizen {
                pid: p.pid.clone(),
                who: format!("{given} ({role}) in family {family}"),
            });
            parents.push((role, p));
        }
        for c in 0..g.rng.random_range(1..=2) {
            let pid = format!("f{f}c{c}");
            // Every world has at least one youth (12–15): the band with the most rules.
            let birth = if f == 0 && c == 0 {
                let days = g.rng.random_range(10..300);
                born(today, g.rng.random_range(12..=15), days)
            } else {
                g.child_birth()
            };
            let confidential = g.chance(8);
            let child = g.person(birth, &family, &format!("Barn{c}"), &address, confidential);
            g.citizens.push(Citizen {
                pid: child.pid.clone(),
                who: format!("patient {pid} born {}", day(birth)),
            });
            let ctx = PatientCtx {
                id: pid.clone(),
                reference: format!("Patient/{pid}"),
                birth,
                parents: Vec::new(),
                showcase: f == 0 && c == 0,
            };
            let ctx = family_of(&mut g, ctx, &child, &parents);
            items_of(&mut g, &ctx);
            patients.push(pid);
        }
    }
    let stranger = born(today, 40, 3);
    let pid = g.pid(stranger);
    g.citizens.push(Citizen {
        pid,
        who: "a stranger".into(),
    });
    relabel_some(&mut g);
    World {
        seed,
        today,
        items: g.items,
        citizens: g.citizens,
        patients,
        families,
    }
}

/// What the item builders need to know about a patient.
pub(super) struct PatientCtx {
    pub(super) id: String,
    pub(super) reference: String,
    pub(super) birth: NaiveDate,
    /// RelatedPerson references of the parents.
    pub(super) parents: Vec<String>,
    /// The world's guaranteed youth: the first parent has responsibility and has given
    /// parental consent, and there are results, so metadata-level items occur.
    pub(super) showcase: bool,
}

fn family_of(
    g: &mut Gen,
    mut ctx: PatientCtx,
    child: &PersonData,
    parents: &[(&str, PersonData)],
) -> PatientCtx {
    g.push(
        build::patient(&ctx.id, child),
        HOSPITAL_ORG,
        Some(&ctx.id.clone()),
    );
    for (k, (role, p)) in parents.iter().enumerate() {
        let resp = match g.rng.random_range(0..10) {
            _ if ctx.showcase && k == 0 => Responsibility::Since(child.birth),
            0 => Responsibility::None,
            1 => Responsibility::Ended(child.birth, g.ago(30)),
            _ => Responsibility::Since(child.birth),
        };
        let active = g.chance(95) || (ctx.showcase && k == 0);
        let rp = format!("{}-rp{k}", ctx.id);
        g.push(
            build::related_person(&rp, &ctx.id, p, role, resp, active),
            HOSPITAL_ORG,
            Some(&ctx.id.clone()),
        );
        ctx.parents.push(format!("RelatedPerson/{rp}"));
    }
    ctx
}

/// Some clinical items get a second version with a withholding label added after the
/// fact: their first version must not stay readable through vread or history.
fn relabel_some(g: &mut Gen) {
    for i in 0..g.items.len() {
        let rt = g.items[i].resource_type().to_string();
        let clinical = !matches!(
            rt.as_str(),
            "Patient" | "RelatedPerson" | "Consent" | "Organization" | "Practitioner" | "Binary"
        );
        if clinical && g.chance(10) {
            let mut v2 = g.items[i].current().clone();
            let label =
                serde_json::json!({"system": nordlys_policy::LABEL_SYSTEM, "code": "NORN_EPO"});
            match v2
                .pointer_mut("/meta/security")
                .and_then(Value::as_array_mut)
            {
                Some(sec) => sec.push(label),
                None => v2["meta"]["security"] = serde_json::json!([label]),
            }
            g.items[i].versions.push(v2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day0() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
    }

    #[test]
    fn a_seed_always_gives_the_same_world() {
        let (a, b) = (generate(11, day0()), generate(11, day0()));
        let json = |w: &World| {
            w.items
                .iter()
                .map(|i| i.versions.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(json(&a), json(&b));
        assert_eq!(a.items.len(), 69);
        assert_eq!(a.patients, vec!["f0c0", "f0c1", "f1c0"]);
        assert_ne!(json(&a), json(&generate(12, day0())));
    }

    /// Finding 1: the default worlds hold work-item Tasks of every kind, each in its
    /// patient's compartment, so the leak test covers them.
    #[test]
    fn the_default_worlds_cover_every_work_item_kind() {
        let mut kinds = std::collections::BTreeSet::new();
        for seed in crate::leak::seeds(3) {
            for i in generate(seed, day0()).items {
                let v = i.current();
                if v["resourceType"] == "Task" {
                    let c = &v["code"]["coding"][0];
                    assert_eq!(c["system"], nordlys_policy::TASK_KIND_SYSTEM);
                    assert!(i.patient.is_some(), "{}", i.reference());
                    kinds.insert(c["code"].as_str().unwrap_or_default().to_owned());
                }
            }
        }
        let all: std::collections::BTreeSet<String> = nordlys_policy::TASK_KINDS
            .iter()
            .map(|(k, _)| (*k).to_owned())
            .collect();
        assert_eq!(kinds, all);
    }

    #[test]
    fn every_world_has_a_youth_with_parental_consent() {
        for seed in [1, 2, 3, 11, 2024] {
            let w = generate(seed, day0());
            let consent = w.items.iter().find(|i| {
                i.patient.as_deref() == Some("f0c0")
                    && i.current()["category"][0]["coding"][0]["code"] == "parental-consent"
            });
            assert!(consent.is_some(), "seed {seed}");
            let youth = w
                .citizens
                .iter()
                .find(|c| c.who.starts_with("patient f0c0"))
                .map(|c| c.pid.clone());
            let birth = youth
                .as_deref()
                .and_then(nordlys_fhir::ids::birth_date_from_national_id);
            let band = birth.map(|b| nordlys_policy::AgeBand::on(b, day0()));
            assert_eq!(band, Some(nordlys_policy::AgeBand::Youth), "seed {seed}");
        }
    }
}
