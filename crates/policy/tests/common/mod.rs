//! A small world builder for policy tests: one patient (with mother, father and a
//! foster parent registered), a target item, other items, grants as Consent JSON, a
//! principal and a clock. Rows read like access-policy.md.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use nordlys_policy::*;
use serde_json::{json, Value};

pub const PATIENT_PID: &str = "22911350029";
pub const MOTHER_PID: &str = "13097248022";
pub const FATHER_PID: &str = "01017512338";
pub const FOSTER_PID: &str = "02027012372";
pub const GUARDIAN_PID: &str = "03036512368";
pub const PROXY_PID: &str = "04048012359";
/// Born 2010-01-01: 16 at NOW, too young to be a proxy.
pub const YOUNG_PROXY_PID: &str = "01011050081";
pub const STRANGER_PID: &str = "05058512372";
/// The producing hospital and another organisation (a GP office).
pub const ORG_A: &str = "974795787";
pub const ORG_B: &str = "983974899";
pub const HPR: &str = "565501872";
pub const ROLE: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
const FNR: &str = "urn:oid:2.16.578.1.12.4.1.4.1";

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// 2026-11-21 12:00 UTC (13:00 in Oslo).
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
}

/// Age bands as birth dates relative to `now()`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Age {
    /// 8 years old.
    Child,
    /// 13 (12th birthday 2025-03-15).
    Youth,
    /// 17.
    Young,
    /// 40.
    Adult,
    Born(&'static str),
}

impl Age {
    pub fn birth(self) -> &'static str {
        match self {
            Age::Child => "2018-05-10",
            Age::Youth => "2013-03-15",
            Age::Young => "2009-06-01",
            Age::Adult => "1986-01-01",
            Age::Born(b) => b,
        }
    }
}

/// Who asks.
#[derive(Debug, Clone, PartialEq)]
pub enum Who {
    Myself,
    Mother,
    Father,
    /// Named by a foster-parent grant.
    Foster,
    /// Named by a lacks-capacity grant.
    Guardian,
    ProxyFull,
    ProxyLimited,
    Stranger,
    /// Any citizen by national id (grants naming them are added by the case).
    Citizen(&'static str),
    LowAssurance,
    Practitioner(&'static str, Option<&'static str>),
    System(&'static str, &'static str),
}

/// A resource with its server-side facts.
#[derive(Debug, Clone)]
pub struct Item {
    /// `None`: the patient resource itself.
    pub json: Option<Value>,
    pub stored: DateTime<Utc>,
    pub owner: Option<String>,
}

impl Item {
    pub fn new(v: Value) -> Item {
        Item {
            json: Some(v),
            stored: t("2026-10-01T09:00:00Z"),
            owner: Some(ORG_A.into()),
        }
    }
    pub fn patient() -> Item {
        Item {
            json: None,
            stored: t("2026-01-01T00:00:00Z"),
            owner: Some(ORG_A.into()),
        }
    }
    fn obj(&mut self) -> &mut serde_json::Map<String, Value> {
        self.json
            .as_mut()
            .and_then(Value::as_object_mut)
            .expect("item is an object")
    }
    pub fn set(mut self, key: &str, v: Value) -> Item {
        self.obj().insert(key.into(), v);
        self
    }
    pub fn id(self, id: &str) -> Item {
        self.set("id", json!(id))
    }
    pub fn owner(mut self, org: &str) -> Item {
        self.owner = Some(org.into());
        self
    }
    /// No owner organisation recorded (a citizen's draft, a store-kept record).
    pub fn no_owner(mut self) -> Item {
        self.owner = None;
        self
    }
    pub fn stored(mut self, at: &str) -> Item {
        self.stored = t(at);
        self
    }
    pub fn label(mut self, code: &str) -> Item {
        let meta = self.obj().entry("meta").or_insert(json!({}));
        let sec = meta
            .as_object_mut()
            .expect("meta")
            .entry("security")
            .or_insert(json!([]));
        sec.as_array_mut()
            .expect("security")
            .push(json!({"system": LABEL_SYSTEM, "code": code}));
        self
    }
    pub fn noru(self, until: &str) -> Item {
        let mut s = self.label("NORU");
        let meta = s
            .obj()
            .get_mut("meta")
            .and_then(Value::as_object_mut)
            .expect("meta");
        meta.insert(
            "extension".into(),
            json!([{"url": DEFERRED_UNTIL_URL, "valueDateTime": until}]),
        );
        s
    }
    pub fn tag(mut self, code: &str) -> Item {
        let meta = self.obj().entry("meta").or_insert(json!({}));
        meta.as_object_mut().expect("meta").insert(
            "tag".into(),
            json!([{"system": YOUTH_SHARING_SYSTEM, "code": code}]),
        );
        self
    }
    pub fn based_on(self, r: &str) -> Item {
        self.set("basedOn", json!([{"reference": r}]))
    }
    /// Sets the § 6 item date field of this type.
    pub fn dated(self, date: &str) -> Item {
        let rt = self
            .json
            .as_ref()
            .and_then(|j| j["resourceType"].as_str())
            .unwrap_or("")
            .to_string();
        let key = match rt.as_str() {
            "DocumentReference" => "date",
            "DiagnosticReport" | "Observation" => "effectiveDateTime",
            "ServiceRequest" | "MedicationRequest" => "authoredOn",
            "Appointment" => "start",
            "Communication" => "sent",
            "Immunization" => "occurrenceDateTime",
            _ => panic!("no date field for {rt}"),
        };
        self.set(key, json!(date))
    }
}

pub fn doc() -> Item {
    Item::new(
        json!({"resourceType": "DocumentReference", "id": "doc", "status": "current", "date": "2026-10-01",
        "subject": {"reference": "Patient/p"}, "content": [{"attachment": {"title": "Epikrise"}}]}),
    )
}
pub fn letter() -> Item {
    doc()
        .id("letter")
        .set("category", json!([{"coding": [{"code": "letter"}]}]))
}
pub fn report() -> Item {
    Item::new(
        json!({"resourceType": "DiagnosticReport", "id": "rep", "status": "final", "code": {"text": "Blood"},
        "subject": {"reference": "Patient/p"}, "effectiveDateTime": "2026-10-01", "issued": "2026-10-01T08:00:00Z"}),
    )
}
pub fn obs() -> Item {
    Item::new(
        json!({"resourceType": "Observation", "id": "obs", "status": "final", "code": {"text": "Hb"},
        "subject": {"reference": "Patient/p"}, "effectiveDateTime": "2026-10-01", "valueQuantity": {"value": 13}}),
    )
}
pub fn referral() -> Item {
    Item::new(
        json!({"resourceType": "ServiceRequest", "id": "ref", "status": "active", "intent": "order",
        "subject": {"reference": "Patient/p"}, "authoredOn": "2026-10-01"}),
    )
}
pub fn requisition() -> Item {
    referral().id("req").set(
        "category",
        json!([{"coding": [{"system": "http://snomed.info/sct", "code": "108252007"}]}]),
    )
}
pub fn appt() -> Item {
    Item::new(
        json!({"resourceType": "Appointment", "id": "appt", "status": "booked", "start": "2026-12-01T10:00:00Z",
        "participant": [{"actor": {"reference": "Patient/p"}, "status": "accepted"}]}),
    )
}
pub fn msg() -> Item {
    Item::new(
        json!({"resourceType": "Communication", "id": "msg", "status": "completed", "sent": "2026-10-01",
        "subject": {"reference": "Patient/p"}, "recipient": [{"reference": "Patient/p"}], "payload": [{"contentString": "hi"}]}),
    )
}
pub fn form() -> Item {
    Item::new(
        json!({"resourceType": "QuestionnaireResponse", "id": "form", "status": "completed", "subject": {"reference": "Patient/p"}}),
    )
}
pub fn plan() -> Item {
    Item::new(
        json!({"resourceType": "CarePlan", "id": "plan", "status": "active", "intent": "plan", "subject": {"reference": "Patient/p"}}),
    )
}
pub fn measure() -> Item {
    Item::new(
        json!({"resourceType": "Observation", "id": "bp", "status": "final", "code": {"text": "BP"},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "device": {"reference": "Device/hub"}, "subject": {"reference": "Patient/p"}, "effectiveDateTime": "2026-10-01"}),
    )
}
pub fn allergy() -> Item {
    Item::new(
        json!({"resourceType": "AllergyIntolerance", "id": "allergy", "patient": {"reference": "Patient/p"}}),
    )
}
pub fn med() -> Item {
    Item::new(
        json!({"resourceType": "MedicationStatement", "id": "med", "status": "active",
        "medicationCodeableConcept": {"text": "x"}, "subject": {"reference": "Patient/p"}}),
    )
}
pub fn vacc() -> Item {
    Item::new(
        json!({"resourceType": "Immunization", "id": "vacc", "status": "completed", "vaccineCode": {"text": "MMR"},
        "patient": {"reference": "Patient/p"}, "occurrenceDateTime": "2026-10-01"}),
    )
}
/// An access-log entry about `what` (the audited item must be added with `Case::audited`).
pub fn audit(what: &str) -> Item {
    Item::new(
        json!({"resourceType": "AuditEvent", "id": "audit", "recorded": "2026-11-01T10:00:00Z",
        "entity": [{"what": {"reference": what}}], "agent": [{"requestor": true}]}),
    )
    .owner("nordlys")
}
pub fn consent_item() -> Item {
    Item::new(
        json!({"resourceType": "Consent", "id": "own-rule", "status": "active",
        "patient": {"reference": "Patient/p"}}),
    )
}

/// The item standing for each category in the § 6 table.
pub fn cat_item(c: Category) -> Item {
    match c {
        Category::Documents => doc(),
        Category::Letters => letter(),
        Category::Results => report(),
        Category::Referrals => referral(),
        Category::Appointments => appt(),
        Category::Dialog => msg(),
        Category::Forms => form(),
        Category::Plans => plan(),
        Category::Measurements => measure(),
        Category::CriticalInfo => allergy(),
        Category::Medication => med(),
        Category::Vaccination => vacc(),
        Category::AccessLog => audit("DocumentReference/doc"),
        Category::Demographics => Item::patient(),
    }
}

/// A Consent builder (contract.md shape).
#[derive(Debug, Clone)]
pub struct C(pub Value);

pub fn grant(kind: &str) -> C {
    let deny = GrantKind::from_code(kind).is_some_and(GrantKind::is_deny);
    let mut v = json!({"resourceType": "Consent", "id": format!("g-{kind}"), "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
            "code": if kind == "research" { "research" } else { "patient-privacy" }}]},
        "category": [{"coding": [{"system": GRANT_KIND_SYSTEM, "code": kind}]}],
        "patient": {"reference": "Patient/p"}, "dateTime": "2026-06-15T10:00:00+02:00",
        "provision": {"type": if deny { "deny" } else { "permit" }}});
    if kind == "parental-consent" {
        v["performer"] = json!([{"reference": "RelatedPerson/mother"}]);
    }
    C(v)
}

impl C {
    fn push(mut self, key: &str, v: Value) -> C {
        let p = self.0["provision"].as_object_mut().expect("provision");
        p.entry(key)
            .or_insert(json!([]))
            .as_array_mut()
            .expect("array")
            .push(v);
        self
    }
    pub fn id(mut self, id: &str) -> C {
        self.0["id"] = json!(id);
        self
    }
    pub fn actor_ref(self, r: &str) -> C {
        self.push("actor", json!({"role": {"coding": [{"system": ROLE, "code": "PRN"}]}, "reference": {"reference": r}}))
    }
    pub fn actor_role(self, code: &str) -> C {
        self.push(
            "actor",
            json!({"role": {"coding": [{"system": ROLE, "code": code}]}}),
        )
    }
    pub fn actor_id(self, system: &str, value: &str) -> C {
        self.push("actor", json!({"role": {"coding": [{"system": ROLE, "code": "X"}]}, "reference": {"identifier": {"system": system, "value": value}}}))
    }
    pub fn actor_pid(self, pid: &str) -> C {
        self.actor_id(FNR, pid)
    }
    pub fn action(self, code: &str) -> C {
        self.push(
            "action",
            json!({"coding": [{"system": ACCESS_LEVEL_SYSTEM, "code": code}]}),
        )
    }
    pub fn data(self, r: &str) -> C {
        self.push(
            "data",
            json!({"meaning": "instance", "reference": {"reference": r}}),
        )
    }
    pub fn related(self, r: &str) -> C {
        self.push(
            "data",
            json!({"meaning": "related", "reference": {"reference": r}}),
        )
    }
    pub fn class(self, code: &str) -> C {
        self.push("class", json!({"system": CATEGORY_SYSTEM, "code": code}))
    }
    pub fn period(mut self, start: Option<&str>, end: Option<&str>) -> C {
        self.0["provision"]["period"] = json!({"start": start, "end": end});
        self
    }
    pub fn data_period(mut self, start: &str, end: &str) -> C {
        self.0["provision"]["dataPeriod"] = json!({"start": start, "end": end});
        self
    }
    pub fn inactive(mut self) -> C {
        self.0["status"] = json!("inactive");
        self
    }
    pub fn performer(mut self, r: &str) -> C {
        self.0["performer"] = json!([{"reference": r}]);
        self
    }
    pub fn recorded(mut self, at: &str) -> C {
        self.0["dateTime"] = json!(at);
        self
    }
    pub fn parse(&self) -> Grant {
        grant_from_consent(&self.0).unwrap_or_else(|e| panic!("{e}: {}", self.0))
    }
}

mod case;
pub use case::*;
