//! The demo's health personnel (Practitioner + PractitionerRole with HPR numbers) and
//! record-system clients, with the lists the development login page shows.
//!
//! Why here and fixed: the ward doctor's HPR number and UNN's organisation number are
//! those of contract.md's token examples, so the examples work against the demo.
use nordlys_fhir::ids::HPR_SYSTEM;
use serde_json::{json, Value};

use super::directory::{orgnr, ORGS};
use super::{DemoPractitioner, DemoSystem};
use crate::make::{meta, reference, text_cc};

/// (key, given, family, female, HPR number, unit id, role title, specialty)
type PractitionerRow = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
pub(crate) const PRACTITIONERS: &[PractitionerRow] = &[
    (
        "gp-tromso",
        "Hanne",
        "Berg",
        true,
        "4512876",
        "org-gp-tromso",
        "Fastlege",
        "Allmennmedisin",
    ),
    (
        "ward-doctor",
        "Erik",
        "Strand",
        false,
        "565501872",
        "org-unn-bup",
        "Overlege",
        "Barne- og ungdomspsykiatri",
    ),
    (
        "paed-doctor",
        "Sofie",
        "Eriksen",
        true,
        "9144025",
        "org-unn-barn",
        "Overlege",
        "Barnesykdommer",
    ),
    (
        "med-doctor",
        "Thomas",
        "Lie",
        false,
        "8823410",
        "org-unn-med",
        "Overlege",
        "Endokrinologi",
    ),
    (
        "lab-doctor",
        "Kristin",
        "Haugen",
        true,
        "7310556",
        "org-unn-lab",
        "Overlege",
        "Medisinsk biokjemi",
    ),
    (
        "microbiologist",
        "Jørgen",
        "Moe",
        false,
        "6620917",
        "org-unn-mikro",
        "Overlege",
        "Medisinsk mikrobiologi",
    ),
    (
        "radiologist",
        "Magnus",
        "Bakken",
        false,
        "5981233",
        "org-unn-rad",
        "Overlege",
        "Radiologi",
    ),
    (
        "pathologist",
        "Ida",
        "Solberg",
        true,
        "10234568",
        "org-unn-pat",
        "Overlege",
        "Patologi",
    ),
    (
        "cardiologist",
        "Marte",
        "Lund",
        true,
        "9932011",
        "org-nlsh-hjerte",
        "Overlege",
        "Hjertesykdommer",
    ),
    (
        "gp-bodo",
        "Jon",
        "Karlsen",
        false,
        "3345120",
        "org-gp-bodo",
        "Fastlege",
        "Allmennmedisin",
    ),
    (
        "gp-harstad",
        "Anders",
        "Nygård",
        false,
        "2209871",
        "org-gp-harstad",
        "Fastlege",
        "Allmennmedisin",
    ),
    (
        "home-nurse",
        "Liv",
        "Andreassen",
        true,
        "11872203",
        "org-bodo-kommune",
        "Sykepleier",
        "Hjemmesykepleie",
    ),
];

fn unit_name(id: &str) -> &'static str {
    ORGS.iter().find(|o| o.0 == id).map(|o| o.1).unwrap_or("")
}

/// Practitioner + PractitionerRole for every demo practitioner, and the login list.
pub(crate) fn practitioners() -> (Vec<Value>, Vec<DemoPractitioner>) {
    let mut out = Vec::new();
    let mut list = Vec::new();
    for (key, given, family, female, hpr, unit, title, specialty) in PRACTITIONERS {
        let source = orgnr(unit);
        out.push(json!({
            "resourceType": "Practitioner", "id": key, "meta": meta(Some(&source), &[]),
            "identifier": [{"use": "official", "system": HPR_SYSTEM, "value": hpr}], "active": true,
            "name": [{"use": "official", "family": family, "given": [given], "prefix": [title]}],
            "gender": if *female { "female" } else { "male" },
        }));
        out.push(json!({
            "resourceType": "PractitionerRole", "id": format!("role-{key}"), "meta": meta(Some(&source), &[]),
            "active": true, "practitioner": reference(&format!("Practitioner/{key}")),
            "organization": reference(&format!("Organization/{unit}")),
            "code": [text_cc(title)], "specialty": [text_cc(specialty)],
            "location": [reference(&format!("Location/loc-{}", &unit[4..]))],
        }));
        list.push(DemoPractitioner {
            key: key.to_string(),
            display: format!("{title} {given} {family}"),
            hpr: hpr.to_string(),
            orgnr: source,
            unit: unit.to_string(),
            unit_name: unit_name(unit).to_string(),
        });
    }
    (out, list)
}

/// The record-system clients that push data, as `/dev/token` system principals.
pub(crate) fn systems() -> Vec<DemoSystem> {
    let all = "system/*.read system/*.write";
    let rows = [
        ("dips-unn", "DIPS Arena, UNN", "org-unn", all),
        (
            "lab-unn",
            "Laboratoriesystem, UNN",
            "org-unn",
            "system/DiagnosticReport.write system/Observation.write system/Specimen.write",
        ),
        (
            "dips-nlsh",
            "DIPS Arena, Nordlandssykehuset",
            "org-nlsh",
            all,
        ),
        (
            "epj-sentrum-tromso",
            "Journalsystem, Sentrum legekontor Tromsø",
            "org-gp-tromso",
            all,
        ),
        (
            "epj-bodo-legesenter",
            "Journalsystem, Bodø legesenter",
            "org-gp-bodo",
            all,
        ),
        (
            "epj-harstad-legesenter",
            "Journalsystem, Harstad legesenter",
            "org-gp-harstad",
            all,
        ),
        (
            "dho-hub-bodo",
            "Hjemmeoppfølging (DHO), Bodø kommune",
            "org-bodo-kommune",
            "system/Observation.write system/Device.write",
        ),
    ];
    rows.iter()
        .map(|(client_id, display, org, scope)| DemoSystem {
            key: client_id.to_string(),
            display: display.to_string(),
            client_id: client_id.to_string(),
            orgnr: orgnr(org),
            scope: scope.to_string(),
        })
        .collect()
}
