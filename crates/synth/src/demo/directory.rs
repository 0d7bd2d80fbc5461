//! The demo region's directory: organisations (a GP office in each of Tromsø, Bodø and
//! Harstad, UNN with its wards, Nordlandssykehuset, Bodø's home care), their locations,
//! practitioners with HPR numbers and roles, record-system clients, and the schedules
//! with free slots that booking works on.
//!
//! Why fixed names and numbers: the login page, the docs and the tests name these
//! people and units; UNN's organisation number and the ward doctor's HPR number are the
//! ones contract.md uses in its token examples, so those examples work on the demo.
use chrono::NaiveDate;
use nordlys_fhir::ids::{generate_orgnr, ORGNR_SYSTEM, RESH_SYSTEM};
use serde_json::{json, Value};

use crate::codes::UNIT_TYPE_SYSTEM;
use crate::items::{schedule, slot};
use crate::make::{coding, meta, next_weekdays, reference, unit_type_display};

/// UNN's organisation number (contract.md's token examples).
pub const UNN_ORGNR: &str = "983974899";

/// (id, name, unit type, parent id, address line, postal code, city)
type OrgRow = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
pub(crate) const ORGS: &[OrgRow] = &[
    (
        "org-unn",
        "Universitetssykehuset Nord-Norge HF",
        "hospital",
        None,
        "Sykehusvegen 38",
        "9019",
        "Tromsø",
    ),
    (
        "org-unn-barn",
        "Barne- og ungdomsklinikken, UNN Tromsø",
        "paediatrics",
        Some("org-unn"),
        "Sykehusvegen 38",
        "9019",
        "Tromsø",
    ),
    (
        "org-unn-bup",
        "BUP Tromsø (barne- og ungdomspsykiatrisk poliklinikk)",
        "child-psychiatry",
        Some("org-unn"),
        "Sykehusvegen 38",
        "9019",
        "Tromsø",
    ),
    (
        "org-unn-med",
        "Medisinsk poliklinikk, UNN Tromsø",
        "medicine",
        Some("org-unn"),
        "Sykehusvegen 38",
        "9019",
        "Tromsø",
    ),
    (
        "org-unn-lab",
        "Laboratoriemedisin, UNN",
        "laboratory",
        Some("org-unn"),
        "Sykehusvegen 38",
        "9019",
        "Tromsø",
    ),
    (
        "org-unn-mikro",
        "Mikrobiologi og smittevern, UNN",
        "microbiology",
        Some("org-unn"),
        "Sykehusvegen 38",
        "9019",
        "Tromsø",
    ),
    (
        "org-unn-rad",
        "Radiologi, UNN Tromsø",
        "radiology",
        Some("org-unn"),
        "Sykehusvegen 38",
        "9019",
        "Tromsø",
    ),
    (
        "org-unn-pat",
        "Klinisk patologi, UNN",
        "pathology",
        Some("org-unn"),
        "Sykehusvegen 38",
        "9019",
        "Tromsø",
    ),
    (
        "org-nlsh",
        "Nordlandssykehuset HF",
        "hospital",
        None,
        "Parkveien 95",
        "8005",
        "Bodø",
    ),
    (
        "org-nlsh-hjerte",
        "Hjertepoliklinikken, Nordlandssykehuset Bodø",
        "cardiology",
        Some("org-nlsh"),
        "Parkveien 95",
        "8005",
        "Bodø",
    ),
    (
        "org-gp-tromso",
        "Sentrum legekontor Tromsø",
        "general-practice",
        None,
        "Storgata 90",
        "9008",
        "Tromsø",
    ),
    (
        "org-gp-bodo",
        "Bodø legesenter",
        "general-practice",
        None,
        "Sjøgata 21",
        "8006",
        "Bodø",
    ),
    (
        "org-gp-harstad",
        "Harstad legesenter",
        "general-practice",
        None,
        "Strandgata 15",
        "9405",
        "Harstad",
    ),
    (
        "org-bodo-kommune",
        "Bodø kommune, hjemmetjenesten",
        "home-care",
        None,
        "Kongens gate 27",
        "8006",
        "Bodø",
    ),
];

/// The legal entity's organisation number for a demo organisation id (a ward answers
/// with its hospital's).
pub(crate) fn orgnr(id: &str) -> String {
    let Some(pos) = ORGS.iter().position(|o| o.0 == id) else {
        return String::new();
    };
    let row = ORGS[pos];
    if let Some(parent) = row.3 {
        return orgnr(parent);
    }
    if id == "org-unn" {
        UNN_ORGNR.to_string()
    } else {
        generate_orgnr(910_000 + pos as u64)
    }
}

/// Organization + Location for every demo organisation.
pub(crate) fn organisations() -> Vec<Value> {
    let mut out = Vec::new();
    for (pos, (id, name, kind, parent, line, postal, city)) in ORGS.iter().enumerate() {
        let identifier = match parent {
            None => json!([{"use": "official", "system": ORGNR_SYSTEM, "value": orgnr(id)}]),
            Some(_) => {
                json!([{"use": "official", "system": RESH_SYSTEM, "value": format!("{}", 4_210_000 + pos * 17)}])
            }
        };
        let hl7_kind = if parent.is_some() {
            ("dept", "Hospital Department")
        } else {
            ("prov", "Healthcare Provider")
        };
        let address = json!([{"use": "work", "line": [line], "postalCode": postal, "city": city, "country": "NO"}]);
        let mut org = json!({
            "resourceType": "Organization", "id": id, "meta": meta(Some(&orgnr(id)), &[]),
            "identifier": identifier, "active": true,
            "type": [{"coding": [coding(UNIT_TYPE_SYSTEM, kind, unit_type_display(kind)),
                                 coding("http://terminology.hl7.org/CodeSystem/organization-type", hl7_kind.0, hl7_kind.1)],
                      "text": unit_type_display(kind)}],
            "name": name, "address": address,
        });
        if let Some(p) = parent {
            org["partOf"] = reference(&format!("Organization/{p}"));
        }
        super::dialog::unit_settings(id, &mut org);
        out.push(org);
        out.push(json!({
            "resourceType": "Location", "id": format!("loc-{}", &id[4..]), "meta": meta(Some(&orgnr(id)), &[]),
            "status": "active", "name": name, "mode": "instance", "address": address[0].clone(),
            "managingOrganization": reference(&format!("Organization/{id}")),
        }));
    }
    out
}

/// A schedule with free slots (two a day over the next weekdays) and the busy slots the
/// demo appointments hold: (slot id, date, hour, minute).
pub(crate) fn schedule_with_slots(
    key: &str,
    practitioner: &str,
    unit: &str,
    what: &str,
    today: NaiveDate,
    free: usize,
    busy: &[(&str, NaiveDate, u32, u32)],
) -> Vec<Value> {
    let sched_id = format!("schedule-{key}");
    let sched_ref = format!("Schedule/{sched_id}");
    let days = next_weekdays(today, free.div_ceil(2).max(1) + 20);
    let horizon_end = days.last().copied().unwrap_or(today);
    let mut out = vec![schedule(
        &sched_id,
        &format!("Practitioner/{practitioner}"),
        &format!("Location/loc-{}", &unit[4..]),
        what,
        today,
        horizon_end,
    )];
    out[0]["comment"] = json!(what);
    // Owned by the unit's legal entity, like everything it publishes: a booking's
    // Appointment is owned by its Slot's owner (crates/store interactions/booking.rs).
    let owned = meta(Some(&orgnr(unit)), &[]);
    out[0]["meta"] = owned.clone();
    for i in 0..free {
        let (hour, minute) = if i % 2 == 0 { (9, 0) } else { (13, 30) };
        out.push(slot(
            &format!("slot-{key}-{:02}", i + 1),
            &sched_ref,
            days[i / 2],
            hour,
            minute,
            20,
            true,
        ));
    }
    for (id, date, hour, minute) in busy {
        out.push(slot(id, &sched_ref, *date, *hour, *minute, 30, false));
    }
    for r in out.iter_mut().skip(1) {
        r["meta"] = owned.clone();
    }
    out
}
