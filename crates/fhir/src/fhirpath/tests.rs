use serde_json::{json, Value};

use super::*;
use crate::defs::definitions;
use crate::defs::model::Kind;

fn eval_json(expr: &str, resource: &Value) -> Vec<Value> {
    let defs = definitions();
    let parsed = match parse(expr) {
        Ok(p) => p,
        Err(e) => panic!("{expr}: {e}"),
    };
    evaluate(defs, &parsed, resource)
        .into_iter()
        .map(|i| match i {
            Item::Node(v, _) => v.clone(),
            Item::Bool(b) => json!(b),
            Item::Str(s) | Item::Resolved(s) => json!(s),
            Item::Num(n) => json!(n),
        })
        .collect()
}

fn types(expr: &str, resource: &Value) -> Vec<String> {
    let defs = definitions();
    let parsed = parse(expr).unwrap_or(Expr::This);
    evaluate(defs, &parsed, resource)
        .iter()
        .map(|i| i.type_name(defs).to_owned())
        .collect()
}

#[test]
fn precedence_as_binds_tighter_than_union() {
    let e = parse("Observation.value as Quantity | Observation.value as SampledData")
        .unwrap_or(Expr::This);
    let Expr::Union(parts) = e else {
        panic!("not a union: {e:?}")
    };
    assert_eq!(parts.len(), 2);
    assert!(matches!(&parts[0], Expr::Call(_, Func::As(t)) if t == "Quantity"));
    assert!(matches!(&parts[1], Expr::Call(_, Func::As(t)) if t == "SampledData"));
}

#[test]
fn rejects_what_it_does_not_support() {
    assert_eq!(
        parse("Patient.name.select(given)").map_err(|e| e.msg),
        Err("unsupported function select()".to_owned())
    );
    assert!(parse("Patient.name.where(").is_err());
    assert!(parse("'open").is_err());
    assert!(parse("Patient.name)").is_err());
}

#[test]
fn choice_elements_are_found_and_typed() {
    let obs = json!({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
        "valueQuantity": {"value": 185, "code": "[lb_av]"}, "effectiveDateTime": "2016-03-28"});
    assert_eq!(
        eval_json("Observation.value", &obs),
        vec![json!({"value": 185, "code": "[lb_av]"})]
    );
    assert_eq!(types("Observation.value", &obs), vec!["Quantity"]);
    assert_eq!(eval_json("Observation.value as Quantity", &obs).len(), 1);
    assert_eq!(
        eval_json("Observation.value as CodeableConcept", &obs).len(),
        0
    );
    assert_eq!(
        eval_json("Observation.value.ofType(Quantity).value", &obs),
        vec![json!(185)]
    );
    assert_eq!(types("Observation.effective", &obs), vec!["dateTime"]);
    assert_eq!(
        eval_json("(Observation.value as Quantity).code", &obs),
        vec![json!("[lb_av]")]
    );
}

#[test]
fn as_accepts_subtypes() {
    let c = json!({"resourceType": "Condition", "subject": {"reference": "Patient/1"},
        "onsetAge": {"value": 52, "unit": "yr"}});
    assert_eq!(types("Condition.onset.as(Age)", &c), vec!["Age"]);
    assert_eq!(types("Condition.onset.as(Quantity)", &c), vec!["Age"]);
    assert_eq!(
        types("Condition.onset.as(Period)", &c),
        Vec::<String>::new()
    );
    assert_eq!(
        eval_json("Condition is DomainResource", &c),
        vec![json!(true)]
    );
}

#[test]
fn resolve_is_checks_the_reference_type() {
    let a = json!({"resourceType": "Account", "status": "active", "subject": [
        {"reference": "Patient/p1"}, {"reference": "Device/d1"},
        {"reference": "https://x.no/fhir/Patient/p2/_history/3"}, {"reference": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"},
        {"type": "Patient", "identifier": {"value": "1"}}]});
    let got = eval_json("Account.subject.where(resolve() is Patient)", &a);
    assert_eq!(
        got,
        vec![
            json!({"reference": "Patient/p1"}),
            json!({"reference": "https://x.no/fhir/Patient/p2/_history/3"}),
            json!({"type": "Patient", "identifier": {"value": "1"}})
        ]
    );
}

#[test]
fn where_with_string_comparison_and_first() {
    let p = json!({"resourceType": "Patient", "telecom": [
        {"system": "phone", "value": "+47 22 00 00 00"}, {"system": "email", "value": "a@b.no"},
        {"system": "phone", "value": "+47 99 99 99 99"}]});
    assert_eq!(
        eval_json("Patient.telecom.where(system='email').value", &p),
        vec![json!("a@b.no")]
    );
    assert_eq!(
        eval_json("Patient.telecom.where(system!='email').value.first()", &p),
        vec![json!("+47 22 00 00 00")]
    );
    assert_eq!(
        eval_json("Patient.telecom.where(system='phone').value.last()", &p),
        vec![json!("+47 99 99 99 99")]
    );
    assert_eq!(
        eval_json("Patient.telecom[1].system", &p),
        vec![json!("email")]
    );
    assert_eq!(eval_json("Patient.telecom.count()", &p), vec![json!(3.0)]);
}

#[test]
fn deceased_expression_gives_a_boolean() {
    let alive = json!({"resourceType": "Patient", "deceasedBoolean": false});
    let dead = json!({"resourceType": "Patient", "deceasedDateTime": "2020-01-01"});
    let unknown = json!({"resourceType": "Patient"});
    let e = "Patient.deceased.exists() and Patient.deceased != false";
    assert_eq!(eval_json(e, &alive), vec![json!(false)]);
    assert_eq!(eval_json(e, &dead), vec![json!(true)]);
    assert_eq!(eval_json(e, &unknown), vec![json!(false)]);
}

#[test]
fn extensions_by_url() {
    let url = "https://nordlys.no/fhir/StructureDefinition/parental-responsibility";
    let rp = json!({"resourceType": "RelatedPerson", "patient": {"reference": "Patient/c"},
        "extension": [{"url": url, "valueBoolean": true}, {"url": "http://other", "valueString": "x"}]});
    assert_eq!(
        eval_json(&format!("RelatedPerson.extension('{url}').value"), &rp),
        vec![json!(true)]
    );
    assert_eq!(
        types(&format!("RelatedPerson.extension('{url}').value"), &rp),
        vec!["boolean"]
    );
    assert_eq!(
        eval_json(
            &format!("RelatedPerson.where(hasExtension('{url}')).patient"),
            &rp
        )
        .len(),
        1
    );
    assert_eq!(
        eval_json("RelatedPerson.hasExtension('http://none')", &rp),
        vec![json!(false)]
    );
}

#[test]
fn content_reference_and_resources_in_bundles() {
    let q = json!({"resourceType": "Questionnaire", "status": "active", "item": [
        {"linkId": "1", "type": "group", "item": [{"linkId": "1.1", "type": "string"}]}]});
    assert_eq!(
        eval_json("Questionnaire.item.item.linkId", &q),
        vec![json!("1.1")]
    );
    let b = json!({"resourceType": "Bundle", "type": "document", "entry": [
        {"resource": {"resourceType": "Composition", "id": "c1"}}, {"resource": {"resourceType": "Patient", "id": "p"}}]});
    assert_eq!(types("Bundle.entry[0].resource", &b), vec!["Composition"]);
    assert_eq!(
        types("Bundle.entry.resource as Patient", &b),
        vec!["Patient"]
    );
    assert_eq!(
        eval_json("Bundle.entry.resource.id", &b),
        vec![json!("c1"), json!("p")]
    );
}

#[test]
fn unions_drop_equal_values() {
    let p = json!({"resourceType": "Patient", "name": [{"family": "Hansen"}, {"family": "Hansen", "given": ["Ola"]}]});
    assert_eq!(eval_json("Patient.name | Patient.name", &p).len(), 2);
    assert_eq!(
        eval_json("Patient.name.family | 'Hansen'", &p),
        vec![json!("Hansen")]
    );
    assert_eq!(
        eval_json("Patient.name.family | 'Olsen'", &p),
        vec![json!("Hansen"), json!("Olsen")]
    );
}

#[test]
fn primitive_subtypes_follow_r4() {
    let cm = json!({"resourceType": "ConceptMap", "status": "draft", "sourceCanonical": "http://x/ValueSet/a", "targetUri": "http://y"});
    assert_eq!(
        eval_json("ConceptMap.source as uri", &cm),
        vec![json!("http://x/ValueSet/a")]
    );
    assert_eq!(
        eval_json("ConceptMap.source as canonical", &cm),
        vec![json!("http://x/ValueSet/a")]
    );
    assert_eq!(
        eval_json("ConceptMap.target as canonical", &cm),
        Vec::<Value>::new()
    );
}

/// Static check: every path step of every official expression names an element of the
/// type it is applied to, so no parameter silently indexes nothing because of a typo in
/// our narrowing or a gap in the element tree.
#[test]
fn every_official_expression_walks_existing_elements() {
    let defs = definitions();
    let mut checked = 0;
    let mut problems = Vec::new();
    for rt in defs.resource_types() {
        let root = defs
            .root(rt)
            .map(StaticTy::Node)
            .into_iter()
            .collect::<Vec<_>>();
        for (p, e) in defs.compiled_params(rt) {
            checked += 1;
            if let Err(msg) = static_types(e, &root) {
                problems.push(format!("{rt}.{}: {} — {msg}", p.code, p.expression));
            }
        }
    }
    assert_eq!(checked, 2573);
    assert_eq!(problems, Vec::<String>::new());
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum StaticTy {
    Node(crate::defs::model::NodeId),
    Prim(&'static str),
    AnyResource,
    Other,
}

fn static_types(e: &Expr, input: &[StaticTy]) -> Result<Vec<StaticTy>, String> {
    let defs = definitions();
    let type_name = |t: &StaticTy| match t {
        StaticTy::Node(id) => defs.node(*id).type_name.clone(),
        StaticTy::Prim(p) => (*p).to_owned(),
        _ => String::new(),
    };
    Ok(match e {
        Expr::This => input.to_vec(),
        Expr::Str(_) | Expr::Num(_) | Expr::Bool(_) => vec![StaticTy::Other],
        Expr::Member(b, name) => {
            let base = static_types(b, input)?;
            if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                let kept: Vec<_> = base
                    .into_iter()
                    .filter(|t| defs.is_a(&type_name(t), name))
                    .collect();
                if kept.is_empty() {
                    return Err(format!("type filter {name} matches nothing"));
                }
                return Ok(kept);
            }
            let mut out = Vec::new();
            for t in &base {
                let StaticTy::Node(id) = t else { continue };
                if let Some(el) = defs.node(*id).element(name) {
                    for ty in &el.types {
                        out.push(match ty.kind {
                            Kind::Complex(n) => StaticTy::Node(n),
                            Kind::Primitive(p) => StaticTy::Prim(p.name()),
                            Kind::Resource => StaticTy::AnyResource,
                        });
                    }
                }
            }
            if out.is_empty() && !base.contains(&StaticTy::AnyResource) {
                return Err(format!(
                    "no element {name} on {:?}",
                    base.iter().map(type_name).collect::<Vec<_>>()
                ));
            }
            out
        }
        Expr::Index(b, _) => static_types(b, input)?,
        Expr::Union(parts) => {
            let mut out = Vec::new();
            for p in parts {
                out.extend(static_types(p, input)?);
            }
            out
        }
        Expr::Equals(l, r, _) | Expr::And(l, r) | Expr::Or(l, r) => {
            static_types(l, input)?;
            static_types(r, input)?;
            vec![StaticTy::Other]
        }
        Expr::Call(b, f) => {
            let base = static_types(b, input)?;
            match f {
                Func::Where(c) | Func::ExistsWhere(c) => {
                    static_types(c, &base)?;
                    base
                }
                Func::As(t) => {
                    let kept: Vec<_> = base
                        .into_iter()
                        .filter(|x| defs.is_a(&type_name(x), t) || *x == StaticTy::AnyResource)
                        .collect();
                    if kept.is_empty() {
                        return Err(format!("as {t} matches nothing"));
                    }
                    kept
                }
                Func::First | Func::Last => base,
                Func::Extension(_) => defs
                    .root("Extension")
                    .map(StaticTy::Node)
                    .into_iter()
                    .collect(),
                _ => vec![StaticTy::Other],
            }
        }
    })
}

#[test]
fn large_unions_are_deduplicated_too() {
    let names: Vec<Value> = (0..5000)
        .map(|i| json!({"family": format!("F{}", i % 100)}))
        .collect();
    let p = json!({"resourceType": "Patient", "name": names});
    let got = eval_json("Patient.name.family | Patient.name.family", &p);
    assert_eq!(got.len(), 100);
    assert_eq!(got[99], json!("F99"));
}
