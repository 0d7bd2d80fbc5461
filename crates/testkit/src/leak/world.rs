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

use super::build::{self, day, instant, GrantActor, GrantSpec, Marks, PersonData, Responsibility};
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

struct Gen {
    rng: ChaCha8Rng,
    today: NaiveDate,
    items: Vec<Item>,
    citizens: Vec<Citizen>,
    individual: u16,
}

/// A person `years` old whose birthday was `days_since` days ago (negative: ahead).
fn born(today: NaiveDate, years: u32, days_since: i64) -> NaiveDate {
    let anniversary = today
        .checked_sub_months(Months::new(12 * years))
        .unwrap_or(today);
    anniversary - TimeDelta::days(days_since)
}

impl Gen {
    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.rng.random_range(0..xs.len())]
    }
    fn ago(&self, days: i64) -> NaiveDate {
        self.today - TimeDelta::days(days)
    }
    fn org(&mut self) -> String {
        if self.chance(50) {
            HOSPITAL_ORG
        } else {
            OTHER_ORG
        }
        .to_string()
    }

    fn pid(&mut self, birth: NaiveDate) -> String {
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

    fn push(&mut self, v: Value, owner: &str, patient: Option<&str>) {
        self.items.push(Item {
            versions: vec![v],
            owner: owner.to_string(),
            patient: patient.map(str::to_string),
        });
    }

    /// A birth date in a random age band, often with a birthday at 12, 16 or 18 within a day of today.
    fn child_birth(&mut self) -> NaiveDate {
        let today = self.today;
        match self.rng.random_range(0..8) {
            0 => born(
                today,
                self.rng.random_range(4..=11),
                self.rng.random_range(10..300),
            ),
            1 => born(
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
    fn marks(&mut self) -> Marks {
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
    fn item_day(&mut self, birth: NaiveDate) -> NaiveDate {
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
            let birth = g.child_birth();
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
struct PatientCtx {
    id: String,
    reference: String,
    birth: NaiveDate,
    /// RelatedPerson references of the parents.
    parents: Vec<String>,
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
            0 => Responsibility::None,
            1 => Responsibility::Ended(child.birth, g.ago(30)),
            _ => Responsibility::Since(child.birth),
        };
        let active = g.chance(95);
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

/// Items of every category for one patient, with referral chains and grants.
fn items_of(g: &mut Gen, p: &PatientCtx) {
    let pat = p.reference.as_str();
    let id = |s: &str| format!("{}-{s}", p.id);
    let marked = |g: &mut Gen, v: Value, owner: &str| {
        let m = g.marks();
        g.push(m.apply(v), owner, Some(&p.id));
    };
    for k in 0..g.rng.random_range(1..=2) {
        let (owner, date) = (g.org(), g.item_day(p.birth));
        let bin = g.chance(35).then(|| id(&format!("bin{k}")));
        marked(
            g,
            build::document(
                &id(&format!("doc{k}")),
                pat,
                &instant(date, 12),
                false,
                None,
                None,
                bin.as_deref(),
            ),
            &owner,
        );
        if let Some(b) = bin {
            g.push(build::binary(&b, &id(&format!("doc{k}"))), &owner, None);
        }
    }
    if g.chance(70) {
        let (owner, date) = (g.org(), g.item_day(p.birth));
        marked(
            g,
            build::document(
                &id("letter"),
                pat,
                &instant(date, 9),
                true,
                None,
                None,
                None,
            ),
            &owner,
        );
    }
    let mut report = None;
    if g.chance(75) {
        let owner = g.org();
        let issued_ago = *g.pick(&[1, 5, 13, 15, 20, 60, 2000]);
        let issued = instant(g.ago(issued_ago), 10);
        g.push(
            build::service_request(
                &id("req"),
                pat,
                &issued,
                "Organization/org-a",
                true,
                None,
                None,
            ),
            &owner,
            Some(&p.id),
        );
        let obs: Vec<String> = (0..g.rng.random_range(1..=2))
            .map(|k| format!("Observation/{}", id(&format!("obs{k}"))))
            .collect();
        for o in &obs {
            let code = *g.pick(&CODES);
            let oid = o.trim_start_matches("Observation/");
            marked(g, build::observation(oid, pat, code, &issued), &owner);
        }
        marked(
            g,
            build::diagnostic_report(
                &id("dr"),
                pat,
                &issued,
                &format!("ServiceRequest/{}", id("req")),
                &obs,
            ),
            &owner,
        );
        report = Some(format!("DiagnosticReport/{}", id("dr")));
    }
    let referral = g.chance(75).then(|| referral_chain(g, p));
    simple_items(g, p, referral.as_deref());
    grants(g, p, referral.as_deref(), report.as_deref());
}

/// A referral, an onward referral (maybe replaced), an encounter and linked documents.
fn referral_chain(g: &mut Gen, p: &PatientCtx) -> String {
    let pat = p.reference.as_str();
    let id = |s: &str| format!("{}-{s}", p.id);
    let receiver = *g.pick(&[
        "Organization/org-a",
        "Organization/org-b",
        "Organization/org-paed",
    ]);
    let owner = g.org();
    let days = *g.pick(&[3, 40, 400]);
    let authored = instant(g.ago(days), 11);
    let r1 = id("ref1");
    let m = g.marks();
    g.push(
        m.apply(build::service_request(
            &r1, pat, &authored, receiver, false, None, None,
        )),
        &owner,
        Some(&p.id),
    );
    let mut last = format!("ServiceRequest/{r1}");
    if g.chance(60) {
        let owner = g.org();
        let r2 = id("ref2");
        g.push(
            build::service_request(
                &r2,
                pat,
                &authored,
                "Organization/org-a",
                false,
                Some(&last),
                None,
            ),
            &owner,
            Some(&p.id),
        );
        last = format!("ServiceRequest/{r2}");
        if g.chance(30) {
            let r3 = id("ref3");
            g.push(
                build::service_request(
                    &r3,
                    pat,
                    &authored,
                    "Organization/org-b",
                    false,
                    None,
                    Some(&last),
                ),
                &owner,
                Some(&p.id),
            );
            last = format!("ServiceRequest/{r3}");
        }
    }
    let owner = g.org();
    if g.chance(70) {
        let enc = id("enc");
        g.push(
            build::encounter(&enc, pat, &authored, &last),
            &owner,
            Some(&p.id),
        );
        let m = g.marks();
        let doc = build::document(
            &id("encdoc"),
            pat,
            &authored,
            false,
            None,
            Some(&format!("Encounter/{enc}")),
            None,
        );
        g.push(m.apply(doc), &owner, Some(&p.id));
    }
    if g.chance(60) {
        let m = g.marks();
        let doc = build::document(
            &id("refletter"),
            pat,
            &authored,
            true,
            Some(&format!("ServiceRequest/{r1}")),
            None,
            None,
        );
        g.push(m.apply(doc), &owner, Some(&p.id));
    }
    format!("ServiceRequest/{r1}")
}

/// Appointments, dialog, plans, medication, vaccination, critical info, measurements, forms.
fn simple_items(g: &mut Gen, p: &PatientCtx, referral: Option<&str>) {
    let pat = p.reference.as_str();
    let id = |s: &str| format!("{}-{s}", p.id);
    let add = |g: &mut Gen, percent: u32, v: Value| {
        if g.chance(percent) {
            let (owner, m) = (g.org(), g.marks());
            g.push(m.apply(v), &owner, Some(&p.id));
        }
    };
    let (start, end) = (instant(g.ago(-7), 9), instant(g.ago(-7), 10));
    let appt_based = if g.chance(50) { referral } else { None };
    add(
        g,
        60,
        build::appointment(&id("appt"), pat, &start, &end, appt_based),
    );
    let days = g.rng.random_range(1..100);
    let sent = instant(g.ago(days), 14);
    let from_patient = g.chance(50);
    add(
        g,
        60,
        build::communication(&id("msg"), pat, &sent, from_patient, "Practitioner/prac-a"),
    );
    add(g, 50, build::care_plan(&id("plan"), pat));
    add(g, 40, build::allergy(&id("allergy"), pat));
    let date = instant(g.item_day(p.birth), 10);
    add(g, 40, build::measurement(&id("pulse"), pat, &date));
    add(
        g,
        30,
        build::questionnaire_response(&id("form"), pat, &date),
    );
    let vacc_day = day(g.item_day(p.birth));
    add(g, 50, build::immunization(&id("vacc"), pat, &vacc_day));
    if g.chance(60) {
        let owner = g.org();
        let mut m = g.marks();
        m.sharing = *g.pick(&[None, Some("shared"), Some("only-youth")]);
        g.push(
            m.apply(build::medication_statement(&id("med"), pat, &date)),
            &owner,
            Some(&p.id),
        );
    }
}

/// Grants of every kind, some inactive, some naming people who log in.
fn grants(g: &mut Gen, p: &PatientCtx, referral: Option<&str>, report: Option<&str>) {
    let recorded = instant(g.ago(10), 10);
    let mut n = 0;
    let mut grant = |g: &mut Gen,
                     kind: &'static str,
                     performer: String,
                     actors: Vec<GrantActor>,
                     action: Option<&'static str>,
                     data: Vec<(String, bool)>,
                     classes: Vec<&'static str>| {
        n += 1;
        let spec = GrantSpec {
            id: format!("{}-g{n}", p.id),
            kind,
            patient: p.reference.clone(),
            recorded: recorded.clone(),
            performer,
            actors,
            action,
            data,
            classes,
            active: !g.chance(10),
        };
        g.push(spec.json(), HOSPITAL_ORG, Some(&p.id));
    };
    let clinician = || "Practitioner/prac-a".to_string();
    if !p.parents.is_empty() && g.chance(60) {
        let performer = g.pick(&p.parents).clone();
        grant(
            g,
            "parental-consent",
            performer,
            Vec::new(),
            None,
            Vec::new(),
            Vec::new(),
        );
    }
    if let Some(r) = referral {
        if g.chance(40) && !p.parents.is_empty() {
            // A role-only actor (all parents, contract.md) does not pass R4 validation
            // (Consent.provision.actor.reference is required), so parents are named.
            let actor = GrantActor::Related(g.pick(&p.parents).clone());
            let level = *g.pick(&[Some("metadata"), Some("full"), None]);
            grant(
                g,
                "parent-access",
                clinician(),
                vec![actor],
                level,
                vec![(r.to_string(), true)],
                Vec::new(),
            );
        }
        if g.chance(30) {
            let level = *g.pick(&[Some("metadata"), Some("full"), None]);
            grant(
                g,
                "youth-access",
                clinician(),
                Vec::new(),
                level,
                vec![(r.to_string(), true)],
                Vec::new(),
            );
        }
    }
    let classes = |g: &mut Gen| -> Vec<&'static str> {
        match g.rng.random_range(0..4) {
            0 => vec!["results"],
            1 => vec!["documents", "letters"],
            _ => Vec::new(),
        }
    };
    if g.chance(20) {
        let c = classes(g);
        grant(
            g,
            "deny-parents",
            p.reference.clone(),
            Vec::new(),
            None,
            Vec::new(),
            c,
        );
    }
    if g.chance(15) {
        grant(
            g,
            "self-deny-results",
            p.reference.clone(),
            Vec::new(),
            None,
            Vec::new(),
            Vec::new(),
        );
    }
    if g.chance(10) {
        let c = classes(g);
        grant(
            g,
            "lockdown",
            p.reference.clone(),
            Vec::new(),
            None,
            Vec::new(),
            c,
        );
    }
    if g.chance(10) {
        let data = match referral {
            Some(r) if g.chance(50) => vec![(r.to_string(), true)],
            _ => Vec::new(),
        };
        grant(
            g,
            "emergency-lock",
            clinician(),
            Vec::new(),
            None,
            data,
            Vec::new(),
        );
    }
    for (kind, percent) in [("block", 25), ("shield", 10)] {
        if g.chance(percent) {
            let actors = match g.rng.random_range(0..4) {
                0 => Vec::new(),
                1 => vec![GrantActor::Org(OTHER_ORG.into())],
                2 => vec![GrantActor::Org(HOSPITAL_ORG.into())],
                _ => vec![GrantActor::Practitioner("Practitioner/prac-b".into())],
            };
            let strength = Some(*g.pick(&["soft", "hard"]));
            let c = classes(g);
            let performer = if kind == "block" {
                p.reference.clone()
            } else {
                clinician()
            };
            grant(g, kind, performer, actors, strength, Vec::new(), c);
        }
    }
    if g.chance(5) {
        grant(
            g,
            "reservation",
            p.reference.clone(),
            Vec::new(),
            None,
            Vec::new(),
            vec!["results"],
        );
    }
    if let Some(r) = report {
        if g.chance(30) {
            grant(
                g,
                "release",
                clinician(),
                Vec::new(),
                None,
                vec![(r.to_string(), false)],
                Vec::new(),
            );
        }
    }
    named_people(g, p, &mut grant);
}

type GrantFn<'a> = dyn FnMut(
        &mut Gen,
        &'static str,
        String,
        Vec<GrantActor>,
        Option<&'static str>,
        Vec<(String, bool)>,
        Vec<&'static str>,
    ) + 'a;

/// Proxies (adult or 17), foster parents and guardians, each a citizen who logs in.
fn named_people(g: &mut Gen, p: &PatientCtx, grant: &mut GrantFn<'_>) {
    let kinds: [(&'static str, &'static str, u32); 3] = [
        ("proxy", "POWATT", 30),
        ("foster-parent", "PRNFOST", 12),
        ("lacks-capacity", "GUARD", 10),
    ];
    for (kind, role, percent) in kinds {
        if !g.chance(percent) {
            continue;
        }
        let years = if kind == "proxy" && g.chance(20) {
            17
        } else {
            g.rng.random_range(25..=70)
        };
        let birth = born(g.today, years, g.rng.random_range(1..300));
        let pid = g.pid(birth);
        let action = match kind {
            "proxy" => Some(*g.pick(&["full", "limited"])),
            _ => None,
        };
        g.citizens.push(Citizen {
            pid: pid.clone(),
            who: format!(
                "{kind} ({}) of {} aged {years}",
                action.unwrap_or("-"),
                p.id
            ),
        });
        let performer = if kind == "proxy" {
            p.reference.clone()
        } else {
            "Practitioner/prac-a".to_string()
        };
        grant(
            g,
            kind,
            performer,
            vec![GrantActor::Citizen(role, pid)],
            action,
            Vec::new(),
            Vec::new(),
        );
    }
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
