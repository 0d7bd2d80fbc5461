use super::model::{Kind, Prim};
use super::*;

#[test]
fn all_r4_resource_types_are_known() {
    let d = definitions();
    let types = d.resource_types();
    assert_eq!(types.len(), 146);
    assert_eq!(types.first(), Some(&"Account"));
    assert_eq!(types.last(), Some(&"VisionPrescription"));
    for t in [
        "Patient",
        "Claim",
        "ExplanationOfBenefit",
        "Bundle",
        "Parameters",
        "Binary",
        "Consent",
    ] {
        assert!(d.is_resource_type(t), "{t}");
    }
    for t in ["Resource", "DomainResource", "HumanName", "patient", ""] {
        assert!(!d.is_resource_type(t), "{t}");
    }
}

#[test]
fn search_params_are_narrowed_per_type() {
    let d = definitions();
    let total: usize = d
        .resource_types()
        .iter()
        .map(|t| d.search_params(t).len())
        .sum();
    assert_eq!(total, 2573);
    let p = d.search_param("Observation", "patient").cloned();
    assert_eq!(
        p,
        Some(SearchParamDef {
            code: "patient".into(),
            kind: ParamType::Reference,
            expression: "Observation.subject.where(resolve() is Patient)".into(),
            targets: vec!["Group".into(), "Patient".into()],
        })
    );
    let vq = d
        .search_param("Observation", "value-quantity")
        .map(|p| (p.kind, p.expression.as_str()));
    assert_eq!(
        vq,
        Some((
            ParamType::Quantity,
            "(Observation.value as Quantity) | (Observation.value as SampledData)"
        ))
    );
    let bd = d
        .search_param("Patient", "birthdate")
        .map(|p| (p.kind, p.expression.as_str()));
    assert_eq!(bd, Some((ParamType::Date, "Patient.birthDate")));
    // Resource-level parameters exist on every type, narrowed to it.
    let id = d
        .search_param("Claim", "_id")
        .map(|p| p.expression.as_str());
    assert_eq!(id, Some("Claim.id"));
    // Written relative to the resource in the spec; made absolute by the generator.
    let ip = d
        .search_param("InsurancePlan", "name")
        .map(|p| p.expression.as_str());
    assert_eq!(ip, Some("InsurancePlan.name | InsurancePlan.alias"));
    assert_eq!(d.search_param("Patient", "nonsense"), None);
    assert!(d.search_params("Nonsense").is_empty());
}

#[test]
fn any_type_targets_are_expanded() {
    let d = definitions();
    let t = d
        .search_param("Provenance", "target")
        .map(|p| p.targets.len());
    assert_eq!(t, Some(145));
    let t = d
        .search_param("Provenance", "target")
        .map(|p| p.targets.iter().any(|t| t == "Parameters"));
    assert_eq!(t, Some(false));
}

#[test]
fn patient_compartment() {
    let d = definitions();
    assert_eq!(
        d.patient_compartment_params("Observation"),
        ["subject", "performer"]
    );
    assert_eq!(d.patient_compartment_params("Patient"), ["link"]);
    assert_eq!(d.patient_compartment_params("Consent"), ["patient"]);
    assert!(d.patient_compartment_params("Organization").is_empty());
}

#[test]
fn element_tree() {
    let d = definitions();
    let name = d
        .element("Patient.contact.name")
        .map(|e| (e.min, e.max, e.types[0].code.as_str()));
    assert_eq!(name, Some((0, Some(1), "HumanName")));
    let id = d.element("Patient.id").map(|e| e.types[0].kind);
    assert_eq!(id, Some(Kind::Primitive(Prim::Id)));
    let status = d.element("Observation.status").map(|e| e.min);
    assert_eq!(status, Some(1));
    let v = d
        .element("Observation.value[x]")
        .map(|e| (e.choice, e.types.len()));
    assert_eq!(v, Some((true, 11)));
    let keys: Vec<&str> = d
        .element("Observation.value")
        .map(|e| e.types.iter().map(|t| t.key.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(keys[..2], ["valueQuantity", "valueCodeableConcept"]);
    // contentReference: Questionnaire.item.item has the children of Questionnaire.item.
    let item = d.element("Questionnaire.item").map(|e| e.types[0].kind);
    let sub = d
        .element("Questionnaire.item.item")
        .map(|e| e.types[0].kind);
    assert!(matches!(item, Some(Kind::Complex(_))));
    assert_eq!(item, sub);
    let gp = d
        .element("Patient.generalPractitioner")
        .and_then(|e| e.targets.clone());
    assert_eq!(
        gp,
        Some(vec![
            "Organization".into(),
            "Practitioner".into(),
            "PractitionerRole".into()
        ])
    );
    assert_eq!(d.element("Patient.nonsense").map(|e| e.min), None);
}

#[test]
fn type_hierarchy() {
    let d = definitions();
    assert!(d.is_a("Age", "Quantity"));
    assert!(d.is_a("Patient", "DomainResource"));
    assert!(d.is_a("Bundle", "Resource"));
    assert!(!d.is_a("Bundle", "DomainResource"));
    assert!(!d.is_a("Quantity", "Age"));
    assert_eq!(d.type_info("Patient").map(|t| t.resource), Some(true));
    assert_eq!(d.type_info("HumanName").map(|t| t.resource), Some(false));
}

/// `cargo test -p nordlys-fhir --release -- --nocapture load_time` prints the time.
#[test]
fn load_time() {
    let start = std::time::Instant::now();
    let d = Definitions::load();
    let took = start.elapsed();
    assert_eq!(d.map(|d| d.resource_types.len()).ok(), Some(146));
    println!("Definitions::load(): {took:?}");
}
