//! One household: who lives together, how they are related, which grants exist.
//!
//! Why the mix: the policy's hard cases are relations — two parents at the child's
//! address, a single parent whose former partner keeps parental responsibility from
//! another address, youths with and without the parental consent, a referral a clinician
//! opened for the parents, a youth denying parents, an old person's proxy, a patient
//! blocking a practitioner — and they should appear at realistic rates (about 40 % of
//! households are two-parent families, 10 % single parents, 15 % an old person with a
//! proxy, the rest single adults; 1 % have a confidential address).
use std::collections::HashSet;

use chrono::NaiveDate;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::directory::{Directory, GpOffice, Hospital};
use super::record::{record, Facts, Subject};
use super::words::{CITIES, FAMILY, FEMALE, MALE, STREETS};
use crate::items::Grant;
use crate::make::{born, related_person, synthetic_fnr, Address, Clock, Person};

/// Where the household is generated.
pub(crate) struct Place<'a> {
    pub dir: &'a Directory,
    pub clock: Clock,
    pub first_patient: usize,
    pub remaining: usize,
}

fn pick<'a>(rng: &mut ChaCha8Rng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn address(rng: &mut ChaCha8Rng, city: usize) -> Address {
    let (name, postal, _) = CITIES[city];
    Address::new(
        &format!("{} {}", pick(rng, STREETS), rng.random_range(1..120)),
        postal,
        name,
    )
}

/// A person with a national id no one in the region has yet.
fn person(
    rng: &mut ChaCha8Rng,
    used: &mut HashSet<u64>,
    today: NaiveDate,
    age: u32,
    family: &str,
    address: &Address,
    d_number: bool,
) -> Person {
    let female = rng.random_bool(0.5);
    let given = if female {
        pick(rng, FEMALE)
    } else {
        pick(rng, MALE)
    };
    let birth = born(today, age, rng.random_range(0..365));
    let mut start: u16 = rng.random_range(0..500);
    let mut pid = String::new();
    for _ in 0..500 {
        pid = synthetic_fnr(birth, start, female, d_number);
        if pid.parse::<u64>().is_ok_and(|n| used.insert(n)) {
            break;
        }
        start = start.wrapping_add(2);
    }
    Person {
        given: given.into(),
        family: family.into(),
        female,
        birth,
        pid,
        address: address.clone(),
    }
}

/// Generates one household into `out`; returns how many patients it used (at least 1).
pub(crate) fn household(
    rng: &mut ChaCha8Rng,
    place: Place,
    used: &mut HashSet<u64>,
    out: &mut Vec<Value>,
) -> usize {
    let today = place.clock.today;
    let gp = &place.dir.gps[rng.random_range(0..place.dir.gps.len())];
    let hospital = &place.dir.hospitals[CITIES[gp.city].2];
    let home = address(rng, gp.city);
    let family = pick(rng, FAMILY);
    let confidential = rng.random_bool(0.01);
    let kind = rng.random_range(0..100);
    let mut members: Vec<(Person, u32)> = Vec::new();
    let mut add =
        |rng: &mut ChaCha8Rng, used: &mut HashSet<u64>, age: u32, addr: &Address, d: bool| {
            members.push((person(rng, used, today, age, family, addr, d), age));
        };
    let shape = match kind {
        0..40 if place.remaining >= 3 => {
            let a: u32 = rng.random_range(30..=52);
            let b = (a as i32 + rng.random_range(-3..=3)) as u32;
            add(rng, used, a, &home, false);
            add(rng, used, b, &home, false);
            let children = rng.random_range(1..=3).min(place.remaining - 2);
            for _ in 0..children {
                let age = rng.random_range(0..=17.min(a - 20));
                add(rng, used, age, &home, false);
            }
            Shape::Family { parents: 2 }
        }
        40..50 if place.remaining >= 2 => {
            let a: u32 = rng.random_range(28..=50);
            add(rng, used, a, &home, false);
            let children = rng.random_range(1..=2).min(place.remaining - 1);
            for _ in 0..children {
                let age = rng.random_range(0..=17.min(a - 20));
                add(rng, used, age, &home, false);
            }
            Shape::Family { parents: 1 }
        }
        50..65 if place.remaining >= 2 => {
            let old: u32 = rng.random_range(72..=95);
            add(rng, used, old, &home, false);
            let city = rng.random_range(0..CITIES.len());
            let elsewhere = address(rng, city);
            let age = rng.random_range(42..=(old - 20).min(65));
            add(rng, used, age, &elsewhere, false);
            Shape::Proxy
        }
        _ => {
            let d_number = rng.random_bool(0.03);
            let age = rng.random_range(18..=90);
            add(rng, used, age, &home, d_number);
            Shape::Single
        }
    };
    let facts: Vec<Facts> = members
        .iter()
        .enumerate()
        .map(|(i, (p, age))| {
            let subject = Subject {
                n: place.first_patient + i,
                person: p,
                age: *age,
                gp,
                hospital,
                confidential,
                clock: place.clock,
            };
            record(rng, &subject, out)
        })
        .collect();
    let ids: Vec<String> = (0..members.len())
        .map(|i| format!("p-{:06}", place.first_patient + i))
        .collect();
    match shape {
        Shape::Family { parents } => {
            let other = (parents == 1).then(|| {
                let city = rng.random_range(0..CITIES.len());
                let addr = address(rng, city);
                let age = members[0].1 + rng.random_range(0..4);
                person(rng, used, today, age, family, &addr, false)
            });
            relate_family(
                rng,
                &members,
                &ids,
                &facts,
                parents,
                other.as_ref(),
                gp,
                place.clock,
                out,
            );
        }
        Shape::Proxy => relate_proxy(rng, &members, &ids, gp, place.clock, out),
        Shape::Single => maybe_block(rng, &ids[0], hospital, place.clock, out),
    }
    members.len()
}

enum Shape {
    Family { parents: usize },
    Proxy,
    Single,
}

#[allow(clippy::too_many_arguments)]
fn relate_family(
    rng: &mut ChaCha8Rng,
    members: &[(Person, u32)],
    ids: &[String],
    facts: &[Facts],
    parents: usize,
    other_parent: Option<&Person>,
    gp: &GpOffice,
    clock: Clock,
    out: &mut Vec<Value>,
) {
    let source = &gp.unit.orgnr;
    for c in parents..members.len() {
        let (child, age) = (&members[c].0, members[c].1);
        let child_ref = format!("Patient/{}", ids[c]);
        let mut rps = Vec::new();
        let parent_people: Vec<&Person> = members[..parents]
            .iter()
            .map(|m| &m.0)
            .chain(other_parent)
            .collect();
        for (k, parent) in parent_people.iter().enumerate() {
            let rp = format!("rp-{}-{}", &ids[c][2..], k + 1);
            let code = if parent.female { "MTH" } else { "FTH" };
            out.push(related_person(
                &rp,
                &ids[c],
                parent,
                &[code],
                Some(child.birth),
                source,
            ));
            rps.push(format!("RelatedPerson/{rp}"));
        }
        if !(12..=15).contains(&age) {
            continue;
        }
        let grant = |id: String, kind: &'static str, days: i64| Grant {
            id,
            kind,
            patient: child_ref.clone(),
            date_time: clock.at(days, 18, 0),
            ..Default::default()
        };
        if rng.random_bool(0.7) {
            let twelve = child
                .birth
                .checked_add_months(chrono::Months::new(144))
                .unwrap_or(child.birth);
            let since = (clock.today - twelve).num_days();
            let mut g = grant(
                format!("consent-{}-1", &ids[c][2..]),
                "parental-consent",
                (since - 10).max(0),
            );
            g.performer = rps[rng.random_range(0..rps.len())].clone();
            g.actors = vec![("ONESELF", child_ref.clone())];
            out.push(g.json());
        }
        if let Some((referral, practitioner, orgnr)) =
            facts[c].referrals.first().filter(|_| rng.random_bool(0.3))
        {
            let mut g = grant(format!("consent-{}-2", &ids[c][2..]), "parent-access", 5);
            g.performer = practitioner.clone();
            g.actors = rps.iter().map(|r| ("PRN", r.clone())).collect();
            g.action = Some(if rng.random_bool(0.5) {
                "full"
            } else {
                "metadata"
            });
            g.data = vec![("related", referral.clone())];
            g.source = Some(orgnr.clone());
            out.push(g.json());
        }
        if rng.random_bool(0.05) {
            let mut g = grant(format!("consent-{}-3", &ids[c][2..]), "deny-parents", 2);
            g.performer = child_ref.clone();
            g.actors = rps.iter().map(|r| ("PRN", r.clone())).collect();
            g.deny = true;
            g.classes = vec!["documents"];
            out.push(g.json());
        }
    }
}

fn relate_proxy(
    rng: &mut ChaCha8Rng,
    members: &[(Person, u32)],
    ids: &[String],
    gp: &GpOffice,
    clock: Clock,
    out: &mut Vec<Value>,
) {
    let (child, old_ref) = (&members[1].0, format!("Patient/{}", ids[0]));
    let rp = format!("rp-{}-1", &ids[0][2..]);
    let relation = if child.female { "DAU" } else { "SON" };
    out.push(related_person(
        &rp,
        &ids[0],
        child,
        &[relation, "POWATT"],
        None,
        &gp.unit.orgnr,
    ));
    out.push(
        Grant {
            id: format!("consent-{}-1", &ids[0][2..]),
            kind: "proxy",
            patient: old_ref.clone(),
            date_time: clock.at(rng.random_range(30..1500), 17, 0),
            performer: old_ref,
            actors: vec![("POWATT", format!("RelatedPerson/{rp}"))],
            action: Some(if rng.random_bool(0.8) {
                "full"
            } else {
                "limited"
            }),
            ..Default::default()
        }
        .json(),
    );
}

/// 3 % of single adults block one hospital practitioner from their results.
fn maybe_block(
    rng: &mut ChaCha8Rng,
    id: &str,
    hospital: &Hospital,
    clock: Clock,
    out: &mut Vec<Value>,
) {
    if !rng.random_bool(0.03) {
        return;
    }
    let ward = &hospital.wards[rng.random_range(0..hospital.wards.len())];
    let patient = format!("Patient/{id}");
    out.push(
        Grant {
            id: format!("consent-{}-1", &id[2..]),
            kind: "block",
            patient: patient.clone(),
            date_time: clock.at(rng.random_range(10..400), 20, 0),
            performer: patient,
            actors: vec![("PROV", ward.practitioner(rng.random_range(0..3)))],
            action: Some(if rng.random_bool(0.7) { "soft" } else { "hard" }),
            classes: vec!["results"],
            deny: true,
            ..Default::default()
        }
        .json(),
    );
}
