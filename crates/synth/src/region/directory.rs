//! The region's directory: four health trusts with the same eight wards each, GP
//! offices (one per 600 patients, at least two) spread over the cities, a home-care
//! service per health trust, practitioners with HPR numbers, locations, schedules and
//! free slots.
//!
//! Why sized by N: the benchmarks look up practitioners and organisations, and a region
//! of 100,000 patients has on the order of 170 GP offices; the directory is emitted
//! first so every later reference resolves while streaming.
use nordlys_fhir::ids::{generate_orgnr, HPR_SYSTEM, ORGNR_SYSTEM, RESH_SYSTEM};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::words::{CITIES, FAMILY, FEMALE, HOSPITALS, MALE, WARDS};
use crate::codes::UNIT_TYPE_SYSTEM;
use crate::items::{schedule, slot};
use crate::make::{coding, meta, next_weekdays, reference, text_cc, unit_type_display, Clock};

/// A unit that receives referrals and has practitioners.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    /// Organization id.
    pub id: String,
    /// Ward key (`barn`, `bup`, …) or `gp` / `home-care`.
    pub key: &'static str,
    /// Legal entity's organisation number.
    pub orgnr: String,
    /// Practitioner ids.
    pub practitioners: Vec<String>,
}

impl Unit {
    pub fn org_ref(&self) -> String {
        format!("Organization/{}", self.id)
    }
    pub fn location_ref(&self) -> String {
        format!("Location/loc-{}", &self.id[4..])
    }
    pub fn practitioner(&self, n: usize) -> String {
        format!(
            "Practitioner/{}",
            self.practitioners[n % self.practitioners.len()]
        )
    }
}

/// A health trust with its wards (in the order of [`WARDS`]) and home-care service.
#[derive(Debug, Clone)]
pub(crate) struct Hospital {
    pub wards: Vec<Unit>,
    pub home_care: Unit,
}

impl Hospital {
    pub fn ward(&self, key: &str) -> &Unit {
        self.wards
            .iter()
            .find(|w| w.key == key)
            .unwrap_or(&self.wards[0])
    }
}

/// A GP office and the city it is in.
#[derive(Debug, Clone)]
pub(crate) struct GpOffice {
    pub unit: Unit,
    pub city: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Directory {
    pub hospitals: Vec<Hospital>,
    pub gps: Vec<GpOffice>,
}

const PRACTITIONERS_PER_UNIT: usize = 3;

/// The directory for `patients` patients, and its resources.
pub(crate) fn directory(
    patients: usize,
    rng: &mut ChaCha8Rng,
    clock: Clock,
) -> (Directory, Vec<Value>) {
    let mut out = Vec::new();
    let mut hpr_seq = 0u32;
    let mut entity = 0u64;
    let mut hospitals = Vec::new();
    for (h, (name, city)) in HOSPITALS.iter().enumerate() {
        entity += 1;
        let orgnr = if h == 0 {
            "983974899".to_string()
        } else {
            generate_orgnr(1_000_000 + entity)
        };
        let id = format!("org-h{}", h + 1);
        out.extend(organisation(&id, name, "hospital", &orgnr, None, city));
        let mut wards = Vec::new();
        for (key, kind, ward_name) in WARDS {
            let ward_id = format!("{id}-{key}");
            out.extend(organisation(
                &ward_id,
                &format!("{ward_name}, {name}"),
                kind,
                &orgnr,
                Some(&id),
                city,
            ));
            let unit = staff(
                &ward_id,
                key,
                &orgnr,
                "Overlege",
                rng,
                &mut hpr_seq,
                &mut out,
            );
            wards.push(unit);
        }
        entity += 1;
        let kommune_orgnr = generate_orgnr(1_000_000 + entity);
        let hc_id = format!("org-hc{}", h + 1);
        out.extend(organisation(
            &hc_id,
            &format!("{city} kommune, hjemmetjenesten"),
            "home-care",
            &kommune_orgnr,
            None,
            city,
        ));
        let home_care = staff(
            &hc_id,
            "home-care",
            &kommune_orgnr,
            "Sykepleier",
            rng,
            &mut hpr_seq,
            &mut out,
        );
        hospitals.push(Hospital { wards, home_care });
    }
    let n_gp = patients.div_ceil(600).max(2);
    let mut gps = Vec::new();
    for g in 0..n_gp {
        entity += 1;
        let city = g % CITIES.len();
        let id = format!("org-gp-{:04}", g + 1);
        let orgnr = generate_orgnr(1_000_000 + entity);
        let name = format!("{} legekontor {}", CITIES[city].0, g / CITIES.len() + 1);
        out.extend(organisation(
            &id,
            &name,
            "general-practice",
            &orgnr,
            None,
            CITIES[city].0,
        ));
        let unit = staff(&id, "gp", &orgnr, "Fastlege", rng, &mut hpr_seq, &mut out);
        gps.push(GpOffice { unit, city });
    }
    let dir = Directory { hospitals, gps };
    out.extend(schedules(&dir, clock));
    (dir, out)
}

fn organisation(
    id: &str,
    name: &str,
    kind: &str,
    orgnr: &str,
    parent: Option<&str>,
    city: &str,
) -> Vec<Value> {
    let identifier = match parent {
        None => json!({"use": "official", "system": ORGNR_SYSTEM, "value": orgnr}),
        Some(_) => {
            json!({"use": "official", "system": RESH_SYSTEM, "value": format!("{}", 100_000 + fxhash(id) % 900_000)})
        }
    };
    let display = unit_type_display(kind);
    let address = json!({"use": "work", "city": city, "country": "NO"});
    let mut org = json!({
        "resourceType": "Organization", "id": id, "meta": meta(Some(orgnr), &[]), "identifier": [identifier],
        "active": true, "type": [{"coding": [coding(UNIT_TYPE_SYSTEM, kind, display)], "text": display}],
        "name": name, "address": [address],
    });
    if let Some(p) = parent {
        org["partOf"] = reference(&format!("Organization/{p}"));
    }
    let location = json!({
        "resourceType": "Location", "id": format!("loc-{}", &id[4..]), "meta": meta(Some(orgnr), &[]),
        "status": "active", "name": name, "mode": "instance", "address": address,
        "managingOrganization": reference(&format!("Organization/{id}")),
    });
    vec![org, location]
}

/// A small stable hash (FNV-1a) for derived numbers.
pub(crate) fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn staff(
    unit_id: &str,
    key: &'static str,
    orgnr: &str,
    title: &str,
    rng: &mut ChaCha8Rng,
    hpr_seq: &mut u32,
    out: &mut Vec<Value>,
) -> Unit {
    let mut practitioners = Vec::new();
    for n in 1..=PRACTITIONERS_PER_UNIT {
        *hpr_seq += 1;
        let id = format!("pr-{}-{n}", &unit_id[4..]);
        let female = rng.random_bool(0.5);
        let given = if female {
            FEMALE[rng.random_range(0..FEMALE.len())]
        } else {
            MALE[rng.random_range(0..MALE.len())]
        };
        let family = FAMILY[rng.random_range(0..FAMILY.len())];
        let hpr = format!("{}", 3_000_000 + *hpr_seq * 7);
        out.push(json!({
            "resourceType": "Practitioner", "id": id, "meta": meta(Some(orgnr), &[]),
            "identifier": [{"use": "official", "system": HPR_SYSTEM, "value": hpr}], "active": true,
            "name": [{"use": "official", "family": family, "given": [given], "prefix": [title]}],
            "gender": if female { "female" } else { "male" },
        }));
        out.push(json!({
            "resourceType": "PractitionerRole", "id": format!("role-{id}"), "meta": meta(Some(orgnr), &[]),
            "active": true, "practitioner": reference(&format!("Practitioner/{id}")),
            "organization": reference(&format!("Organization/{unit_id}")), "code": [text_cc(title)],
            "location": [reference(&format!("Location/loc-{}", &unit_id[4..]))],
        }));
        practitioners.push(id);
    }
    Unit {
        id: unit_id.to_string(),
        key,
        orgnr: orgnr.to_string(),
        practitioners,
    }
}

/// One schedule per GP practitioner and per receiving ward, four free slots each.
fn schedules(dir: &Directory, clock: Clock) -> Vec<Value> {
    let days = next_weekdays(clock.today, 4);
    let mut units: Vec<&Unit> = dir.gps.iter().map(|g| &g.unit).collect();
    for h in &dir.hospitals {
        units.extend(
            h.wards
                .iter()
                .filter(|w| matches!(w.key, "barn" | "bup" | "med" | "kir")),
        );
    }
    let mut out = Vec::new();
    for unit in units {
        for (n, pr) in unit.practitioners.iter().enumerate() {
            if unit.key != "gp" && n > 0 {
                break;
            }
            let sid = format!("schedule-{pr}");
            let (first, last) = (
                days.first().copied().unwrap_or(clock.today),
                days.last().copied().unwrap_or(clock.today),
            );
            out.push(schedule(
                &sid,
                &format!("Practitioner/{pr}"),
                &unit.location_ref(),
                "Time",
                first,
                last,
            ));
            for (i, day) in days.iter().enumerate() {
                let hour = 8 + (n as u32 * 2 + i as u32) % 7;
                out.push(slot(
                    &format!("slot-{pr}-{}", i + 1),
                    &format!("Schedule/{sid}"),
                    *day,
                    hour,
                    0,
                    20,
                    true,
                ));
            }
        }
    }
    out
}
