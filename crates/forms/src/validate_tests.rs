use super::*;
use proptest::prelude::*;
use serde_json::json;

/// A small triage-like form: a required choice, a follow-up enabled by it, a
/// repeating question, a repeating group, a required nested group.
pub(crate) fn form() -> Form {
    Form::parse(&json!({"resourceType": "Questionnaire", "title": "Symptomer", "item": [
        {"linkId": "fever", "text": "Har du feber?", "type": "boolean", "required": true},
        {"linkId": "temp", "text": "Temperatur", "type": "decimal", "required": true,
         "enableWhen": [{"question": "fever", "operator": "=", "answerBoolean": true}]},
        {"linkId": "sym", "text": "Symptomer", "type": "open-choice", "repeats": true,
         "answerOption": [{"valueCoding": {"code": "cough", "display": "Hoste"}},
                          {"valueCoding": {"code": "pain", "display": "Smerter"}}]},
        {"linkId": "meds", "text": "Legemidler", "type": "group", "repeats": true, "item": [
            {"linkId": "meds.name", "text": "Navn", "type": "string", "required": true, "maxLength": 10}]},
        {"linkId": "you", "text": "Om deg", "type": "group", "required": true, "item": [
            {"linkId": "you.born", "text": "Fødselsdato", "type": "date", "required": true},
            {"linkId": "you.n", "text": "Antall", "type": "integer"}]}
    ]}))
    .unwrap_or_else(|| panic!("form"))
}

fn resp(items: Value) -> Value {
    json!({"resourceType": "QuestionnaireResponse", "status": "completed", "item": items})
}

fn kinds(errors: &[FormError]) -> Vec<(&str, ErrorKind)> {
    errors
        .iter()
        .map(|e| (e.link_id.as_str(), e.kind.clone()))
        .collect()
}

fn valid_items() -> Value {
    json!([
        {"linkId": "fever", "answer": [{"valueBoolean": true}]},
        {"linkId": "temp", "answer": [{"valueDecimal": 38.5}]},
        {"linkId": "sym", "answer": [{"valueCoding": {"code": "cough"}}, {"valueString": "Svimmel"}]},
        {"linkId": "meds", "item": [{"linkId": "meds.name", "answer": [{"valueString": "Paracet"}]}]},
        {"linkId": "meds", "item": [{"linkId": "meds.name", "answer": [{"valueString": "Ibux"}]}]},
        {"linkId": "you", "item": [{"linkId": "you.born", "answer": [{"valueDate": "1980-02-29"}]},
                                   {"linkId": "you.n", "answer": [{"valueInteger": 2}]}]}
    ])
}

#[test]
fn a_complete_answer_is_valid() {
    assert_eq!(validate(&form(), &resp(valid_items())), vec![]);
}

#[test]
fn required_answers_and_groups() {
    let errors = validate(&form(), &resp(json!([])));
    assert_eq!(
        kinds(&errors),
        vec![
            ("fever", ErrorKind::Required),
            ("you", ErrorKind::Required),
            ("you.born", ErrorKind::Required)
        ]
    );
    assert_eq!(
        errors[2].expression,
        "QuestionnaireResponse.item.where(linkId='you').item.where(linkId='you.born')"
    );
    assert_eq!(errors[0].message(), "'Har du feber?' must be answered");
}

#[test]
fn enable_when_required_only_when_enabled_and_disabled_must_be_empty() {
    let mut items = valid_items();
    items[0] = json!({"linkId": "fever", "answer": [{"valueBoolean": false}]});
    let errors = validate(&form(), &resp(items.clone()));
    assert_eq!(kinds(&errors), vec![("temp", ErrorKind::NotApplicable)]);
    if let Some(a) = items.as_array_mut() {
        a.remove(1);
    }
    assert_eq!(validate(&form(), &resp(items)), vec![]);
    let mut items = valid_items();
    if let Some(a) = items.as_array_mut() {
        a.remove(1);
    }
    assert_eq!(
        kinds(&validate(&form(), &resp(items))),
        vec![("temp", ErrorKind::Required)]
    );
}

#[test]
fn types_options_lengths_and_repeats() {
    let mut items = valid_items();
    items[0] = json!({"linkId": "fever", "answer": [{"valueString": "ja"}]});
    items[1] = json!({"linkId": "temp", "answer": [{"valueDecimal": 38}, {"valueDecimal": 39}]});
    items[2] = json!({"linkId": "sym", "answer": [{"valueCoding": {"code": "nope"}}]});
    items[3] = json!({"linkId": "meds", "item": [{"linkId": "meds.name", "answer": [{"valueString": "Altfor langt navn"}]}]});
    items[5] = json!({"linkId": "you", "item": [{"linkId": "you.born", "answer": [{"valueDate": "1981-02-29"}]},
        {"linkId": "you.n", "answer": [{"valueInteger": 1.5}]}, {"linkId": "x"}]});
    let errors = validate(&form(), &resp(items));
    assert_eq!(
        kinds(&errors),
        vec![
            ("fever", ErrorKind::WrongType("a yes or no")),
            ("temp", ErrorKind::NotApplicable),
            ("sym", ErrorKind::NotAnOption),
            ("meds.name", ErrorKind::TooLong(10)),
            ("x", ErrorKind::UnknownItem),
            ("you.born", ErrorKind::WrongType("a date")),
            ("you.n", ErrorKind::WrongType("a whole number")),
        ]
    );
    let mut items = valid_items();
    items[1] = json!({"linkId": "temp", "answer": [{"valueDecimal": 38}, {"valueDecimal": 39}]});
    assert_eq!(
        kinds(&validate(&form(), &resp(items))),
        vec![("temp", ErrorKind::NotRepeating)]
    );
    let mut items = valid_items();
    if let Some(a) = items.as_array_mut() {
        a.push(json!({"linkId": "you", "item": []}));
    }
    assert_eq!(
        kinds(&validate(&form(), &resp(items))),
        vec![("you", ErrorKind::NotRepeating)]
    );
}

proptest! {
    /// Whatever a client sends, the validator answers (no panic) and never accepts a
    /// response without the required `fever` answer.
    #[test]
    fn arbitrary_answers_never_panic(
        link in prop::sample::select(vec!["fever", "temp", "sym", "meds", "you", "you.born", "zz"]),
        key in prop::sample::select(vec!["valueBoolean", "valueDecimal", "valueInteger", "valueString", "valueDate", "valueCoding", "bogus"]),
        n in any::<i64>(), s in ".{0,12}", b in any::<bool>(), pick in 0u8..4,
    ) {
        let value = match pick { 0 => json!(n), 1 => json!(s), 2 => json!(b), _ => json!({"code": s}) };
        let r = resp(json!([{"linkId": link, "answer": [{key: value}], "item": [{"linkId": link}]}]));
        let errors = validate(&form(), &r);
        prop_assert!(!errors.is_empty());
        if link != "fever" {
            prop_assert!(errors.iter().any(|e| e.link_id == "fever" && e.kind == ErrorKind::Required));
        }
    }
}
