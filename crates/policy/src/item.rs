//! Facts about one item, extracted once from its FHIR JSON (§§ 4–7).
//!
//! Why extract first: `decide` runs per (principal, item) and must be fast, so the JSON
//! is read once when the item is loaded and the decision works on these plain facts.
//! Every fact that is missing or unreadable falls back to the stricter value (no labels
//! understood → `label.unknown`; no item date → the time the server stored it).
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::json::{
    codings, each, has_coding, instant, normalise_ref, range_of, refs_at, str_at, Span,
};
use crate::label::{
    Label, LabelSet, YouthSharing, DEFERRED_UNTIL_URL, LABEL_SYSTEM, YOUTH_SHARING_SYSTEM,
};
use crate::level::Category;

const SNOMED: &str = "http://snomed.info/sct";
/// SNOMED CT laboratory procedure / imaging: a ServiceRequest with one is a requisition.
pub const REQUISITION_CODES: [&str; 2] = ["108252007", "363679005"];
const OBS_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
/// `Task.code` system of the work items Nordlys puts in a unit's inbox. A Task of one of
/// these kinds belongs to the service it serves (a dialog thread is dialog, a delivered
/// form is forms, …), so the same § 6 row decides it as the items it is about.
pub const TASK_KIND_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/task-kind";

/// The task kinds and the service each belongs to.
pub const TASK_KINDS: [(&str, Category); 7] = [
    ("dialog", Category::Dialog),
    ("form-answer", Category::Forms),
    ("form-request", Category::Forms),
    ("measurement-threshold", Category::Measurements),
    ("careplan-handover", Category::Plans),
    ("letter-read", Category::Letters),
    ("appointment-task", Category::Appointments),
];

/// Resource types that belong to no patient: directory data (§ 4), readable by every
/// authenticated principal. `Device` counts only when it has no `patient`.
pub const DIRECTORY_TYPES: [&str; 30] = [
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Location",
    "HealthcareService",
    "Schedule",
    "Slot",
    "Questionnaire",
    "ResearchStudy",
    "Endpoint",
    "Medication",
    "Substance",
    "ValueSet",
    "CodeSystem",
    "ConceptMap",
    "StructureDefinition",
    "SearchParameter",
    "CapabilityStatement",
    "OperationDefinition",
    "NamingSystem",
    "ActivityDefinition",
    "PlanDefinition",
    "Library",
    "Measure",
    "ImplementationGuide",
    "CompartmentDefinition",
    "MessageDefinition",
    "GraphDefinition",
    "ObservationDefinition",
    "SpecimenDefinition",
];

/// What the policy needs to know about one item. Serialisable: the store keeps it in a
/// column at write time, so a search decides per hit without reading bodies.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ItemFacts {
    /// `Type/id`.
    pub reference: String,
    pub resource_type: String,
    /// `None`: directory data, not a patient's item.
    pub category: Option<Category>,
    /// The item date of § 6 as the range its precision covers; else the stored time.
    pub date: Span,
    /// When the server stored this version.
    pub stored_at: DateTime<Utc>,
    /// The organisation (orgnr) of the client that created it, recorded by the server.
    pub owner_org: Option<String>,
    pub labels: LabelSet,
    /// A 9603 code this build does not know was present (treated as withheld).
    pub unknown_label: bool,
    /// NORU opening date (`meta.extension` deferred-until).
    pub deferred_until: Option<DateTime<Utc>>,
    pub youth_sharing: Option<YouthSharing>,
    pub based_on: Vec<String>,
    /// `ServiceRequest.replaces`.
    pub replaces: Vec<String>,
    /// `DocumentReference.context.related`.
    pub related: Vec<String>,
    /// `encounter` / `context.encounter`.
    pub encounters: Vec<String>,
    /// `Task.focus` (used only to recognise the Task of a requisition).
    pub focus: Vec<String>,
    /// `DiagnosticReport.issued` / `Observation.issued`.
    pub issued: Option<DateTime<Utc>>,
    /// `ServiceRequest.authoredOn`.
    pub authored: Option<DateTime<Utc>>,
    /// `ServiceRequest.performer`: references and identifier values (the receiver).
    pub receivers: Vec<String>,
    /// `DiagnosticReport.result`.
    pub results: Vec<String>,
    /// `Communication(Request).sender/recipient`.
    pub participants: Vec<String>,
    /// `AuditEvent.entity.what`.
    pub entities: Vec<String>,
    /// A ServiceRequest whose category is a lab or imaging procedure.
    pub requisition: bool,
    /// `meta.tag` [`NOTIFICATION_TAG_SYSTEM`]`#do-not-notify` (§ 11): the item is
    /// never announced to anyone. Visibility is unchanged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub do_not_notify: bool,
    /// A shared care plan (CarePlan) or the Provenance of one of its changes: another
    /// organisation sees it only with the patient's `careplan-sharing` consent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared_plan: bool,
    /// A CarePlan's care team: references and identifier values of its `author`,
    /// `contributor` and `activity.detail.performer` (who may write it, docs/careplan.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plan_team: Vec<String>,
    /// A citizen's unsent form answer: a `QuestionnaireResponse` `in-progress` with no
    /// owner organisation, authored by the patient or a RelatedPerson. The filler's
    /// side only: practitioners and systems get none (docs/access-policy.md).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub citizen_draft: bool,
    /// A record the store keeps for its own dedicated operation (a person's
    /// notification preferences, `Basic`): nobody reads or writes it through the
    /// ordinary paths.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub store_record: bool,
}

/// `Basic.code` system of the records Nordlys' store keeps for itself.
const BASIC_KIND_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/basic-kind";
/// The id prefix reserved for a person's notification preferences.
pub const NOTIFICATION_PREFERENCES_PREFIX: &str = "notification-preferences-";

/// The code system of the "do not notify" tag (§ 11), e.g. on a sensitive letter the
/// unit will tell about in person.
pub const NOTIFICATION_TAG_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/notification";

impl ItemFacts {
    /// A Consent: one of the patient's rules (§ 8).
    pub fn is_grant(&self) -> bool {
        self.resource_type == "Consent"
    }
    /// A ServiceRequest that is not a requisition.
    pub fn is_referral(&self) -> bool {
        self.resource_type == "ServiceRequest" && !self.requisition
    }
}

/// Extracts the facts of one stored resource. `owner_org` is the server-recorded owner.
pub fn item_facts(
    resource: &Value,
    stored_at: DateTime<Utc>,
    owner_org: Option<&str>,
) -> ItemFacts {
    let rt = str_at(resource, "resourceType").unwrap_or("").to_string();
    let id = str_at(resource, "id").unwrap_or("");
    let requisition = rt == "ServiceRequest"
        && REQUISITION_CODES
            .iter()
            .any(|c| has_coding(resource.get("category"), SNOMED, c));
    let category = category_of(&rt, resource, requisition);
    let (labels, unknown_label) = labels_of(resource);
    let context = resource.get("context").unwrap_or(&Value::Null);
    let mut encounters = refs_at(resource, "encounter");
    encounters.extend(refs_at(context, "encounter"));
    let stored_ms = stored_at.timestamp_millis();
    let date = item_date(&rt, resource).unwrap_or(Span {
        start_ms: stored_ms,
        end_ms: stored_ms,
    });
    let mut receivers = refs_at(resource, "performer");
    receivers.extend(
        each(resource.get("performer"))
            .filter_map(|p| p.get("identifier"))
            .filter_map(|i| str_at(i, "value"))
            .map(str::to_string),
    );
    let mut participants = refs_at(resource, "sender");
    participants.extend(refs_at(resource, "recipient"));
    if rt == "Task" {
        // A dialog thread's participants (§ 6 "full where the youth is a participant"):
        // who started it, and the persons a unit opened a flexible dialog to.
        participants.extend(refs_at(resource, "requester"));
        let restriction = resource.get("restriction").unwrap_or(&Value::Null);
        participants.extend(refs_at(restriction, "recipient"));
    }
    ItemFacts {
        reference: format!("{rt}/{id}"),
        category,
        date,
        stored_at,
        owner_org: owner_org.map(str::to_string),
        labels,
        unknown_label,
        deferred_until: deferred_until(resource),
        youth_sharing: youth_sharing(resource),
        do_not_notify: codings(resource.get("meta").and_then(|m| m.get("tag")))
            .iter()
            .any(|(s, c)| *s == NOTIFICATION_TAG_SYSTEM && *c == "do-not-notify"),
        based_on: refs_at(resource, "basedOn"),
        replaces: if rt == "ServiceRequest" {
            refs_at(resource, "replaces")
        } else {
            Vec::new()
        },
        related: refs_at(context, "related"),
        encounters,
        focus: if rt == "Task" {
            refs_at(resource, "focus")
        } else {
            Vec::new()
        },
        issued: str_at(resource, "issued").and_then(instant),
        authored: str_at(resource, "authoredOn").and_then(instant),
        receivers: if rt == "ServiceRequest" {
            receivers
        } else {
            Vec::new()
        },
        results: if rt == "DiagnosticReport" {
            refs_at(resource, "result")
        } else {
            Vec::new()
        },
        participants,
        entities: each(resource.get("entity"))
            .flat_map(|e| refs_at(e, "what"))
            .collect(),
        requisition,
        shared_plan: crate::plan::is_shared_plan(&rt, resource),
        plan_team: crate::plan::team_of(&rt, resource),
        citizen_draft: is_citizen_draft(&rt, resource, owner_org),
        store_record: rt == "Basic"
            && (id.starts_with(NOTIFICATION_PREFERENCES_PREFIX)
                || has_coding(
                    resource.get("code"),
                    BASIC_KIND_SYSTEM,
                    "notification-preferences",
                )),
        resource_type: rt,
    }
}

/// See [`ItemFacts::citizen_draft`].
fn is_citizen_draft(rt: &str, r: &Value, owner_org: Option<&str>) -> bool {
    let author = r.get("author").unwrap_or(&Value::Null);
    rt == "QuestionnaireResponse"
        && owner_org.is_none()
        && str_at(r, "status") == Some("in-progress")
        && (str_at(author, "reference")
            .is_some_and(|a| a.starts_with("Patient/") || a.starts_with("RelatedPerson/"))
            || str_at(author, "type") == Some("RelatedPerson"))
}

fn category_of(rt: &str, r: &Value, requisition: bool) -> Option<Category> {
    use Category::*;
    if DIRECTORY_TYPES.contains(&rt) || (rt == "Device" && r.get("patient").is_none()) {
        return None;
    }
    Some(match rt {
        "DocumentReference"
            if codings(r.get("category"))
                .iter()
                .any(|(_, c)| *c == "letter") =>
        {
            Letters
        }
        "DiagnosticReport" | "Specimen" => Results,
        "Observation" => {
            if has_coding(r.get("category"), OBS_CATEGORY, "vital-signs")
                && r.get("device").is_some()
            {
                Measurements
            } else {
                Results
            }
        }
        "ServiceRequest" if requisition => Results,
        "ServiceRequest" => Referrals,
        "Appointment" => Appointments,
        "Communication" | "CommunicationRequest" => Dialog,
        "QuestionnaireResponse" => Forms,
        "CarePlan" | "Goal" | "Condition" => Plans,
        "Provenance" if crate::plan::is_shared_plan(rt, r) => Plans,
        "AllergyIntolerance" | "Flag" => CriticalInfo,
        "MedicationRequest" | "MedicationStatement" | "MedicationDispense" => Medication,
        "Immunization" => Vaccination,
        "AuditEvent" => AccessLog,
        "Patient" | "RelatedPerson" => Demographics,
        "Task" => task_kind(r).unwrap_or(Documents),
        // DocumentReference (not letters), Binary, Task (refined by the link graph when it
        // serves a requisition) and every other compartment resource.
        _ => Documents,
    })
}

/// The service a Nordlys work-item Task belongs to ([`TASK_KINDS`]), if it is one.
fn task_kind(r: &Value) -> Option<Category> {
    TASK_KINDS
        .iter()
        .find(|(code, _)| has_coding(r.get("code"), TASK_KIND_SYSTEM, code))
        .map(|(_, category)| *category)
}

/// The item date of § 6, as the range its precision covers.
fn item_date(rt: &str, r: &Value) -> Option<Span> {
    let at = |v: Option<&Value>| v.and_then(Value::as_str).and_then(range_of);
    let start_of = |key: &str| {
        r.get(key)
            .and_then(|p| p.get("start"))
            .and_then(Value::as_str)
            .and_then(range_of)
    };
    let range = match rt {
        "DocumentReference" => at(r.get("date")),
        "DiagnosticReport" | "Observation" => at(r.get("effectiveDateTime"))
            .or_else(|| at(r.get("effectiveInstant")))
            .or_else(|| start_of("effectivePeriod"))
            .or_else(|| at(r.get("issued"))),
        "ServiceRequest" | "MedicationRequest" => at(r.get("authoredOn")),
        "Appointment" => at(r.get("start")),
        "Communication" => at(r.get("sent")),
        "Encounter" => start_of("period"),
        "Immunization" => at(r.get("occurrenceDateTime")),
        _ => None,
    }?;
    Some(Span {
        start_ms: range.0,
        end_ms: range.1,
    })
}

fn labels_of(r: &Value) -> (LabelSet, bool) {
    let meta = r.get("meta").unwrap_or(&Value::Null);
    let mut set = LabelSet::EMPTY;
    let mut unknown = false;
    for (system, code) in codings(meta.get("security")) {
        if system == LABEL_SYSTEM {
            match Label::from_code(code) {
                Some(l) => set.insert(l),
                None => unknown = true,
            }
        }
    }
    (set, unknown)
}

fn deferred_until(r: &Value) -> Option<DateTime<Utc>> {
    let meta = r.get("meta")?;
    each(meta.get("extension"))
        .filter(|e| str_at(e, "url") == Some(DEFERRED_UNTIL_URL))
        .filter_map(|e| str_at(e, "valueDateTime").or_else(|| str_at(e, "valueDate")))
        .filter_map(instant)
        .max()
}

fn youth_sharing(r: &Value) -> Option<YouthSharing> {
    let meta = r.get("meta")?;
    let tags = codings(meta.get("tag"));
    let mut out = None;
    for (s, c) in tags {
        if s != YOUTH_SHARING_SYSTEM {
            continue;
        }
        match c {
            // "only-youth" wins over "shared" if both were set: the stricter reading.
            "only-youth" => return Some(YouthSharing::OnlyYouth),
            "shared" => out = Some(YouthSharing::Shared),
            _ => {}
        }
    }
    out
}

/// `Type/id` of a resource, for callers that need the same key the facts use.
pub fn reference_of(resource: &Value) -> String {
    normalise_ref(&format!(
        "{}/{}",
        str_at(resource, "resourceType").unwrap_or(""),
        str_at(resource, "id").unwrap_or("")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn facts(v: Value) -> ItemFacts {
        item_facts(
            &v,
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            Some("974"),
        )
    }

    #[test]
    fn categories_labels_and_dates() {
        let letter = facts(json!({"resourceType": "DocumentReference", "id": "l",
            "category": [{"coding": [{"code": "letter"}]}], "date": "2026-03-05",
            "meta": {"security": [{"system": LABEL_SYSTEM, "code": "NORN_XYZ"}]}}));
        assert_eq!(letter.category, Some(Category::Letters));
        assert!(letter.unknown_label && letter.labels.is_empty());
        assert_eq!(letter.date.end_ms - letter.date.start_ms + 1, 86_400_000);
        let thread = facts(json!({"resourceType": "Task", "id": "t",
            "code": {"coding": [{"system": TASK_KIND_SYSTEM, "code": "dialog"}]}}));
        assert_eq!(thread.category, Some(Category::Dialog));
        let opened = facts(json!({"resourceType": "Task", "id": "t2",
            "code": {"coding": [{"system": TASK_KIND_SYSTEM, "code": "dialog"}]},
            "requester": {"reference": "Patient/y"},
            "restriction": {"recipient": [{"reference": "RelatedPerson/m"}]}}));
        assert_eq!(opened.participants, ["Patient/y", "RelatedPerson/m"]);
        let form = facts(json!({"resourceType": "Task", "id": "f",
            "code": {"coding": [{"system": TASK_KIND_SYSTEM, "code": "form-answer"}]}}));
        assert_eq!(form.category, Some(Category::Forms));
        let other = facts(json!({"resourceType": "Task", "id": "o",
            "code": {"coding": [{"system": "x", "code": "dialog"}]}}));
        assert_eq!(other.category, Some(Category::Documents));
        let vital = facts(json!({"resourceType": "Observation", "id": "v",
            "category": [{"coding": [{"system": OBS_CATEGORY, "code": "vital-signs"}]}]}));
        assert_eq!(
            vital.category,
            Some(Category::Results),
            "vital signs without a device are results"
        );
        let med = facts(json!({"resourceType": "MedicationStatement", "id": "m",
            "meta": {"tag": [{"system": YOUTH_SHARING_SYSTEM, "code": "shared"},
                             {"system": YOUTH_SHARING_SYSTEM, "code": "only-youth"}]}}));
        assert_eq!(med.youth_sharing, Some(YouthSharing::OnlyYouth));
        assert_eq!(
            reference_of(&json!({"resourceType": "Flag", "id": "f"})),
            "Flag/f"
        );
        assert_eq!(
            facts(json!({"resourceType": "Flag", "id": "f"})).category,
            Some(Category::CriticalInfo)
        );
        assert_eq!(
            facts(json!({"resourceType": "Claim", "id": "c"})).category,
            Some(Category::Documents)
        );
    }
}
