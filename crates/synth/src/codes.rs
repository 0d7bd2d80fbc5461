//! The code systems, extension URLs and conventions the generated data uses.
//!
//! Why one place: the policy engine reads exactly these encodings (contract.md, "Data
//! the policy reads"); a typo here would make the demo exercise nothing. Where the
//! contract leaves an encoding open, the choice made is named here (marked "Nordlys
//! convention") so the server side can read the same thing.

pub use nordlys_fhir::ids::{DNR_SYSTEM, FNR_SYSTEM, HPR_SYSTEM, ORGNR_SYSTEM, RESH_SYSTEM};

/// Volven 9603 item labels (`NORN_FOR`, `NORN_FORANS`, `NORU`, …), on `meta.security`.
pub const LABEL_SYSTEM: &str = "urn:oid:2.16.578.1.12.4.1.1.9603";
/// Confidential address (`R`) on `meta.security` of a Patient.
pub const CONFIDENTIALITY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
/// RelatedPerson relationship codes (`PRN`, `MTH`, `FTH`, `PRNFOST`, `GUARD`, …) and
/// Consent actor roles.
pub const ROLE_CODE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
/// Boolean extension on RelatedPerson; its period is `RelatedPerson.period`.
pub const PARENTAL_RESPONSIBILITY_URL: &str =
    "https://nordlys.no/fhir/StructureDefinition/parental-responsibility";
/// dateTime extension on `meta` of a NORU-labelled item: when it opens.
pub const DEFERRED_UNTIL_URL: &str = "https://nordlys.no/fhir/StructureDefinition/deferred-until";
/// `meta.tag` on medication items: `only-youth` or `shared`.
pub const YOUTH_SHARING_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/youth-sharing";
/// Consent.category: the grant kind of access-policy.md § 8.
pub const GRANT_KIND_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/grant-kind";
/// Consent.provision.action: `metadata` / `full` / `limited` / `soft` / `hard`.
pub const ACCESS_LEVEL_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/access-level";
/// Consent.provision.class: the categories of access-policy.md § 4.
pub const CATEGORY_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/category";
/// Nordlys convention: DocumentReference.category, code `letter` (pasientbrev) or
/// `journal` (journal document).
pub const DOCUMENT_CATEGORY_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/document-category";
/// Nordlys convention: Organization.type of a unit, codes `paediatrics`,
/// `child-psychiatry`, `general-practice`, `hospital`, `medicine`, `laboratory`,
/// `radiology`, `pathology`, `microbiology`, `home-care`, `cardiology` — the list the
/// 10-day referral deferral is configured with names `paediatrics` and
/// `child-psychiatry`.
pub const UNIT_TYPE_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/unit-type";
/// Nordlys convention: `valueUrl` extension on Appointment with the video-meeting link
/// (R4 has no element for it; R5's `virtualService` is the model).
pub const VIDEO_LINK_URL: &str = "https://nordlys.no/fhir/StructureDefinition/video-link";
/// Nordlys convention: `meta.source` = this prefix + the organisation number of the
/// organisation whose system produced the item. Only a hint for trusted bulk loading
/// (`nordlys demo`, `nordlys import`): the server records the owner itself.
pub const SOURCE_PREFIX: &str = "urn:nordlys:org:";

pub const LOINC: &str = "http://loinc.org";
pub const SNOMED: &str = "http://snomed.info/sct";
pub const UCUM: &str = "http://unitsofmeasure.org";
pub const ATC: &str = "http://www.whocc.no/atc";
/// ICD-10 as published in Volven (7110).
pub const ICD10: &str = "urn:oid:2.16.578.1.12.4.1.1.7110";
/// ICPC-2 as published in Volven (7170).
pub const ICPC2: &str = "urn:oid:2.16.578.1.12.4.1.1.7170";
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
pub const V2_0074: &str = "http://terminology.hl7.org/CodeSystem/v2-0074";
pub const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

/// The organisation number behind a generated item's `meta.source`, if it has one.
pub fn source_orgnr(resource: &serde_json::Value) -> Option<&str> {
    resource
        .pointer("/meta/source")?
        .as_str()?
        .strip_prefix(SOURCE_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_orgnr_reads_the_convention() {
        let r = serde_json::json!({"meta": {"source": "urn:nordlys:org:983974899"}});
        assert_eq!(source_orgnr(&r), Some("983974899"));
        assert_eq!(
            source_orgnr(&serde_json::json!({"meta": {"source": "http://x"}})),
            None
        );
        assert_eq!(source_orgnr(&serde_json::json!({})), None);
    }
}
