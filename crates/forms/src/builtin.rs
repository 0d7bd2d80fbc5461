//! The built-in forms: request for a copy of one's record ("Be om kopi av journal"),
//! feedback ("Tilbakemelding") and a symptom triage form with a score.
//!
//! Why here, as data: the demo region, the tests and the documentation use the same
//! Questionnaires, and each is a plain FHIR resource a unit could publish itself; the
//! receiving unit is a parameter (the `receiving-unit` extension).
use serde_json::{json, Value};

use crate::prefill::PREFILL_URL;
use crate::score::{ORDINAL_URL, THRESHOLD_URL};

/// The Questionnaire extension naming the unit that receives answers.
pub const RECEIVING_UNIT_URL: &str = "https://nordlys.no/fhir/StructureDefinition/receiving-unit";
/// Canonical base of the built-in forms.
pub const BASE: &str = "https://nordlys.no/fhir/Questionnaire";

fn prefill(key: &str) -> Value {
    json!([{"url": PREFILL_URL, "valueCode": key}])
}

fn coded(code: &str, display: &str) -> Value {
    json!({"valueCoding": {"system": format!("{BASE}/codes"), "code": code, "display": display}})
}

fn weighted(code: &str, display: &str, w: i64) -> Value {
    let mut o = coded(code, display);
    o["extension"] = json!([{"url": ORDINAL_URL, "valueDecimal": w}]);
    o
}

fn head(id: &str, title: &str, unit: &str) -> Value {
    json!({"resourceType": "Questionnaire", "id": id, "url": format!("{BASE}/{id}"),
        "version": "1", "status": "active", "title": title, "name": id.replace('-', "_"),
        "subjectType": ["Patient"],
        "extension": [{"url": RECEIVING_UNIT_URL, "valueReference": {"reference": format!("Organization/{unit}")}}]})
}

/// "Be om kopi av journal": who, what (all, a period, or something specific), how.
pub fn journal_copy(id: &str, unit: &str) -> Value {
    let mut q = head(id, "Be om kopi av journal", unit);
    q["item"] = json!([
        {"linkId": "who", "type": "group", "text": "Om deg", "required": true, "item": [
            {"linkId": "who.name", "type": "string", "text": "Navn", "required": true, "extension": prefill("patient.name")},
            {"linkId": "who.nid", "type": "string", "text": "Fødselsnummer", "required": true, "maxLength": 11, "extension": prefill("patient.nationalId")},
            {"linkId": "who.address", "type": "string", "text": "Adresse", "required": true, "extension": prefill("patient.address")},
            {"linkId": "who.phone", "type": "string", "text": "Telefon", "extension": prefill("patient.phone")}]},
        {"linkId": "scope", "type": "choice", "text": "Hva vil du ha kopi av?", "required": true, "answerOption": [
            coded("all", "Hele journalen"), coded("period", "Journal fra en periode"), coded("specific", "Noe bestemt")]},
        {"linkId": "period", "type": "group", "text": "Periode", "required": true,
         "enableWhen": [{"question": "scope", "operator": "=", "answerCoding": {"code": "period"}}], "item": [
            {"linkId": "period.from", "type": "date", "text": "Fra dato", "required": true},
            {"linkId": "period.to", "type": "date", "text": "Til dato"}]},
        {"linkId": "what", "type": "text", "text": "Beskriv hva du vil ha kopi av", "required": true, "maxLength": 2000,
         "enableWhen": [{"question": "scope", "operator": "=", "answerCoding": {"code": "specific"}}]},
        {"linkId": "format", "type": "choice", "text": "Hvordan vil du motta kopien?", "required": true, "answerOption": [
            coded("digital", "Digitalt i Nordlys helse"), coded("paper", "På papir i posten")]}
    ]);
    q
}

/// "Tilbakemelding": praise, complaint or suggestion, with contact details if wanted.
pub fn feedback(id: &str, unit: &str) -> Value {
    let mut q = head(id, "Tilbakemelding", unit);
    q["item"] = json!([
        {"linkId": "kind", "type": "choice", "text": "Hva slags tilbakemelding?", "required": true, "answerOption": [
            coded("praise", "Ros"), coded("complaint", "Klage"), coded("idea", "Forslag")]},
        {"linkId": "text", "type": "text", "text": "Tilbakemeldingen din", "required": true, "maxLength": 4000},
        {"linkId": "contact", "type": "boolean", "text": "Vil du at vi kontakter deg?"},
        {"linkId": "phone", "type": "string", "text": "Telefonnummer vi kan nå deg på", "required": true,
         "extension": prefill("patient.phone"),
         "enableWhen": [{"question": "contact", "operator": "=", "answerBoolean": true}]}
    ]);
    q
}

/// A symptom triage form: weights on the options, thresholds urgent (3) and asap (6).
pub fn triage(id: &str, unit: &str) -> Value {
    let mut q = head(id, "Luftveisplager – vurdering før time", unit);
    q["extension"] = json!([q["extension"][0].clone(),
        {"url": THRESHOLD_URL, "extension": [{"url": "minScore", "valueInteger": 3}, {"url": "priority", "valueCode": "urgent"}]},
        {"url": THRESHOLD_URL, "extension": [{"url": "minScore", "valueInteger": 6}, {"url": "priority", "valueCode": "asap"}]}]);
    q["item"] = json!([
        {"linkId": "warn", "type": "display", "text": "Har du akutte brystsmerter eller store pustevansker? Ring 113."},
        {"linkId": "fever", "type": "boolean", "text": "Har du feber?", "required": true},
        {"linkId": "temp", "type": "decimal", "text": "Hvor høy er temperaturen (°C)?", "required": true,
         "enableWhen": [{"question": "fever", "operator": "=", "answerBoolean": true}]},
        {"linkId": "breath", "type": "choice", "text": "Er du tung i pusten?", "required": true, "answerOption": [
            weighted("no", "Nei", 0), weighted("effort", "Ja, når jeg anstrenger meg", 2), weighted("rest", "Ja, også i hvile", 5)]},
        {"linkId": "days", "type": "choice", "text": "Hvor lenge har du hatt plagene?", "required": true, "answerOption": [
            weighted("lt3", "Mindre enn 3 dager", 0), weighted("3to7", "3–7 dager", 1), weighted("gt7", "Mer enn en uke", 2)]},
        {"linkId": "symptoms", "type": "open-choice", "text": "Hvilke andre plager har du?", "repeats": true, "answerOption": [
            weighted("cough", "Hoste", 0), weighted("throat", "Sår hals", 0), weighted("chest", "Smerter i brystet", 3)]},
        {"linkId": "meds", "type": "group", "text": "Legemidler du bruker nå", "repeats": true, "item": [
            {"linkId": "meds.name", "type": "string", "text": "Navn på legemiddel", "required": true, "maxLength": 100}]},
        {"linkId": "more", "type": "text", "text": "Noe annet legen bør vite?", "maxLength": 2000}
    ]);
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{score, validate, Form, Priority};

    #[test]
    fn built_in_forms_parse_and_score() {
        for q in [journal_copy("j", "u"), feedback("f", "u"), triage("t", "u")] {
            let f = Form::parse(&q).unwrap_or_else(|| panic!("parse"));
            assert!(f
                .all_items()
                .iter()
                .all(|i| i.kind != crate::ItemType::Unsupported));
        }
        let q = triage("t", "u");
        let f = Form::parse(&q).unwrap_or_else(|| panic!("parse"));
        let r = json!({"item": [
            {"linkId": "fever", "answer": [{"valueBoolean": true}]},
            {"linkId": "temp", "answer": [{"valueDecimal": 38.9}]},
            {"linkId": "breath", "answer": [{"valueCoding": {"code": "effort"}}]},
            {"linkId": "days", "answer": [{"valueCoding": {"code": "gt7"}}]},
            {"linkId": "symptoms", "answer": [{"valueCoding": {"code": "chest"}}, {"valueString": "Vondt i øret"}]}]});
        assert_eq!(validate(&f, &r), vec![]);
        let t = score(&q, &f, &r);
        assert_eq!((t.score, t.priority), (7.0, Some(Priority::Asap)));
    }
}
