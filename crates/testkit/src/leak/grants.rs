//! The grants (§ 8) of one patient in a leak-test world: every kind, some inactive,
//! some naming the people (proxies, foster parents, guardians) who then log in.
use super::build::{instant, GrantActor, GrantSpec};
use super::world::{born, Citizen, Gen, PatientCtx};
use crate::fixtures::{HOSPITAL_ORG, OTHER_ORG};
use rand::Rng;

/// Grants of every kind, some inactive, some naming people who log in.
pub(super) fn grants(g: &mut Gen, p: &PatientCtx, referral: Option<&str>, report: Option<&str>) {
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
    if p.showcase || (!p.parents.is_empty() && g.chance(75)) {
        let performer = if p.showcase {
            p.parents[0].clone()
        } else {
            g.pick(&p.parents).clone()
        };
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
    // The showcase youth keeps its results open (so metadata-level items occur).
    if g.chance(15) && !p.showcase {
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
    if g.chance(10) && !p.showcase {
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
    if g.chance(10) && !p.showcase {
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
        ("proxy", "POWATT", 40),
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
