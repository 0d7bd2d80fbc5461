//! Builders for test results (DiagnosticReport with Observations) and home
//! measurements (vital-signs Observations from a Device).
//!
//! Why both here: the policy tells them apart only by category and device — a
//! laboratory Observation is `results` (deferred 14 days), a vital-signs Observation with
//! a Device is `measurements` (never deferred) — so the two shapes sit side by side.
use serde_json::{json, Value};

use crate::codes::*;
use crate::make::{cc, coding, meta, meta_deferred, reference, text_cc};

/// A measured value: LOINC code and display, value, UCUM unit, reference range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Analyte {
    pub loinc: &'static str,
    pub display: &'static str,
    pub unit: &'static str,
    pub low: f64,
    pub high: f64,
    pub decimals: u32,
}

pub(crate) const HB: Analyte = Analyte {
    loinc: "718-7",
    display: "Hemoglobin",
    unit: "g/dL",
    low: 11.7,
    high: 15.3,
    decimals: 1,
};
pub(crate) const FERRITIN: Analyte = Analyte {
    loinc: "2276-4",
    display: "Ferritin",
    unit: "ug/L",
    low: 15.0,
    high: 200.0,
    decimals: 0,
};
pub(crate) const TSH: Analyte = Analyte {
    loinc: "3016-3",
    display: "TSH",
    unit: "m[IU]/L",
    low: 0.5,
    high: 3.6,
    decimals: 2,
};
pub(crate) const HBA1C: Analyte = Analyte {
    loinc: "59261-8",
    display: "HbA1c (IFCC)",
    unit: "mmol/mol",
    low: 20.0,
    high: 42.0,
    decimals: 0,
};
pub(crate) const CREATININE: Analyte = Analyte {
    loinc: "14682-9",
    display: "Kreatinin",
    unit: "umol/L",
    low: 60.0,
    high: 105.0,
    decimals: 0,
};
pub(crate) const CHOLESTEROL: Analyte = Analyte {
    loinc: "14647-2",
    display: "Kolesterol",
    unit: "mmol/L",
    low: 3.0,
    high: 6.0,
    decimals: 1,
};
pub(crate) const LDL: Analyte = Analyte {
    loinc: "22748-8",
    display: "LDL-kolesterol",
    unit: "mmol/L",
    low: 1.0,
    high: 4.0,
    decimals: 1,
};
pub(crate) const CRP: Analyte = Analyte {
    loinc: "1988-5",
    display: "CRP",
    unit: "mg/L",
    low: 0.0,
    high: 5.0,
    decimals: 0,
};
pub(crate) const NT_PROBNP: Analyte = Analyte {
    loinc: "33762-6",
    display: "NT-proBNP",
    unit: "ng/L",
    low: 0.0,
    high: 450.0,
    decimals: 0,
};
pub(crate) const POTASSIUM: Analyte = Analyte {
    loinc: "6298-4",
    display: "Kalium",
    unit: "mmol/L",
    low: 3.5,
    high: 5.0,
    decimals: 1,
};
pub(crate) const GLUCOSE: Analyte = Analyte {
    loinc: "15074-8",
    display: "Glukose",
    unit: "mmol/L",
    low: 4.0,
    high: 6.0,
    decimals: 1,
};

/// What a laboratory Observation says: a quantity or a coded finding.
#[derive(Debug, Clone)]
pub(crate) enum Finding {
    Quantity(Analyte, f64),
    Coded {
        loinc: &'static str,
        display: &'static str,
        value: Value,
    },
}

/// An Observation of a report.
#[derive(Debug, Clone)]
pub(crate) struct Obs {
    pub id: String,
    pub finding: Finding,
}

/// A DiagnosticReport with its Observations; `deferred_until` labels all of it NORU.
#[derive(Debug, Clone, Default)]
pub(crate) struct Report {
    pub id: String,
    pub patient: String,
    pub code: (&'static str, &'static str),
    /// v2-0074 service section: `LAB`, `MB`, `RAD`, `SP`.
    pub section: &'static str,
    pub effective: String,
    pub issued: String,
    pub performer: String,
    pub results: Vec<Obs>,
    pub conclusion: Option<String>,
    pub based_on: Option<String>,
    pub source: String,
    pub deferred_until: Option<String>,
}

fn rounded(v: f64, decimals: u32) -> f64 {
    // A table, not powi: the same bits on every platform.
    let f = [1.0, 10.0, 100.0, 1000.0][decimals.min(3) as usize];
    (v * f).round() / f
}

impl Report {
    fn meta(&self) -> Value {
        match &self.deferred_until {
            Some(until) => meta_deferred(&self.source, until),
            None => meta(Some(&self.source), &[]),
        }
    }

    /// The report first, then its Observations.
    pub fn resources(&self) -> Vec<Value> {
        let section_display = match self.section {
            "MB" => "Microbiology",
            "RAD" => "Radiology",
            "SP" => "Surgical Pathology",
            _ => "Laboratory",
        };
        let mut report = json!({
            "resourceType": "DiagnosticReport", "id": self.id, "meta": self.meta(), "status": "final",
            "category": [cc(V2_0074, self.section, section_display)],
            "code": cc(LOINC, self.code.0, self.code.1), "subject": reference(&self.patient),
            "effectiveDateTime": self.effective, "issued": self.issued, "performer": [reference(&self.performer)],
        });
        if let Some(b) = &self.based_on {
            report["basedOn"] = json!([reference(b)]);
        }
        if !self.results.is_empty() {
            let refs: Vec<Value> = self
                .results
                .iter()
                .map(|o| reference(&format!("Observation/{}", o.id)))
                .collect();
            report["result"] = Value::Array(refs);
        }
        if let Some(c) = &self.conclusion {
            report["conclusion"] = json!(c);
        }
        let mut out = vec![report];
        for o in &self.results {
            out.push(self.observation(o));
        }
        out
    }

    fn observation(&self, o: &Obs) -> Value {
        let category = if self.section == "RAD" {
            ("imaging", "Imaging")
        } else {
            ("laboratory", "Laboratory")
        };
        let mut r = json!({
            "resourceType": "Observation", "id": o.id, "meta": self.meta(), "status": "final",
            "category": [cc(OBSERVATION_CATEGORY, category.0, category.1)],
            "subject": reference(&self.patient), "effectiveDateTime": self.effective, "issued": self.issued,
            "performer": [reference(&self.performer)],
        });
        if let Some(b) = &self.based_on {
            r["basedOn"] = json!([reference(b)]);
        }
        match &o.finding {
            Finding::Quantity(a, v) => {
                let value = rounded(*v, a.decimals);
                r["code"] = cc(LOINC, a.loinc, a.display);
                r["valueQuantity"] =
                    json!({"value": value, "unit": a.unit, "system": UCUM, "code": a.unit});
                r["referenceRange"] = json!([{
                    "low": {"value": a.low, "unit": a.unit, "system": UCUM, "code": a.unit},
                    "high": {"value": a.high, "unit": a.unit, "system": UCUM, "code": a.unit},
                }]);
                let flag = if value < a.low {
                    ("L", "Low")
                } else if value > a.high {
                    ("H", "High")
                } else {
                    ("N", "Normal")
                };
                r["interpretation"] = json!([cc(
                    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                    flag.0,
                    flag.1
                )]);
            }
            Finding::Coded {
                loinc,
                display,
                value,
            } => {
                r["code"] = cc(LOINC, loinc, display);
                r["valueCodeableConcept"] = value.clone();
            }
        }
        r
    }
}

/// A home-measurement Device of a patient, owned by the monitoring organisation.
pub(crate) fn device(id: &str, patient: &str, owner: &str, name: &str, source: &str) -> Value {
    json!({
        "resourceType": "Device", "id": id, "meta": meta(Some(source), &[]), "status": "active",
        "manufacturer": "Nordlys Velferdsteknologi AS",
        "deviceName": [{"name": name, "type": "user-friendly-name"}],
        "type": text_cc(name),
        "patient": reference(patient), "owner": reference(owner),
    })
}

/// Which home measurement.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Vital {
    /// Systolic and diastolic, mm[Hg].
    BloodPressure(f64, f64),
    /// kg.
    Weight(f64),
    /// %.
    SpO2(f64),
}

/// A vital-signs Observation the patient measured at home with `device`.
pub(crate) fn vital(
    id: &str,
    patient: &str,
    device: &str,
    when: &str,
    v: Vital,
    source: &str,
) -> Value {
    let q = |value: f64, unit: &str| json!({"value": rounded(value, 1), "unit": unit, "system": UCUM, "code": unit});
    let mut r = json!({
        "resourceType": "Observation", "id": id, "meta": meta(Some(source), &[]), "status": "final",
        "category": [cc(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")],
        "subject": reference(patient), "effectiveDateTime": when, "performer": [reference(patient)],
        "device": reference(device),
    });
    match v {
        Vital::BloodPressure(sys, dia) => {
            r["code"] = cc(
                LOINC,
                "85354-9",
                "Blood pressure panel with all children optional",
            );
            r["component"] = json!([
                {"code": {"coding": [coding(LOINC, "8480-6", "Systolic blood pressure")]}, "valueQuantity": q(sys, "mm[Hg]")},
                {"code": {"coding": [coding(LOINC, "8462-4", "Diastolic blood pressure")]}, "valueQuantity": q(dia, "mm[Hg]")},
            ]);
        }
        Vital::Weight(kg) => {
            r["code"] = cc(LOINC, "29463-7", "Body weight");
            r["valueQuantity"] = q(kg, "kg");
        }
        Vital::SpO2(p) => {
            r["code"] = json!({"coding": [coding(LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
                                          coding(LOINC, "2708-6", "Oxygen saturation in Arterial blood")],
                               "text": "Oksygenmetning"});
            r["valueQuantity"] = q(p, "%");
        }
    }
    r
}
