//! Drawing a Questionnaire as a plain HTML form (no script; CSP forbids it): one
//! labelled field or fieldset per question, only the questions that apply, repeated
//! groups with "Legg til", the errors next to their field and in a summary on top.
//!
//! Why the summary links to the fields and every field names its error with
//! `aria-describedby`: a screen reader user hears what is wrong where they are, and
//! a sighted user sees all problems at once (the GOV.UK/Helsenorge pattern).
use std::collections::HashMap;

use maud::{html, Markup};
use nordlys_forms::{
    answers_by_link_id, is_enabled, ErrorKind, Form, FormError, FormItem, ItemType,
};
use serde_json::{json, Value};

use super::forms_input::{count, count_name, instance, name, Fields};
use crate::i18n::{text, text_with, Lang};

/// What a page of a form shows besides the questions.
pub struct View<'a> {
    pub lang: Lang,
    pub form: &'a Form,
    pub values: &'a Fields,
    /// The answers the values make (for which questions apply).
    pub items: &'a Value,
    /// Errors by linkId (validation) and unreadable fields by name.
    pub errors: &'a [FormError],
    pub unreadable: &'a [(String, String)],
}

/// The id of a field in the page (names may hold `~`, `/` and `.`).
pub fn field_id(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("f-{clean}")
}

fn error_key(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Required => "forms.err.required",
        ErrorKind::NotApplicable => "forms.err.not-applicable",
        ErrorKind::NotRepeating => "forms.err.one",
        ErrorKind::WrongType("a whole number") => "forms.err.whole",
        ErrorKind::WrongType("a number") => "forms.err.number",
        ErrorKind::WrongType("a date") => "forms.err.date",
        ErrorKind::WrongType(_) => "forms.err.other",
        ErrorKind::NotAnOption => "forms.err.option",
        ErrorKind::TooLong(_) => "forms.err.long",
        ErrorKind::UnknownItem | ErrorKind::Unsupported => "forms.err.other",
    }
}

/// The message for an unreadable value of a question of this type.
fn unreadable_key(kind: ItemType) -> &'static str {
    match kind {
        ItemType::Integer => "forms.err.whole",
        ItemType::Decimal => "forms.err.number",
        ItemType::Date => "forms.err.date",
        _ => "forms.err.other",
    }
}

impl View<'_> {
    /// The message to show at the field `name` of `item`, if any.
    fn error_at(&self, item: &FormItem, name: &str) -> Option<String> {
        if self.unreadable.iter().any(|(_, n)| n == name) {
            return Some(text(self.lang, unreadable_key(item.kind)).to_owned());
        }
        let e = self.errors.iter().find(|e| e.link_id == item.link_id)?;
        // In a repeated group, "required" belongs to the empty instances only.
        if e.kind == ErrorKind::Required
            && self
                .values
                .get(name)
                .is_some_and(|v| v.iter().any(|s| !s.trim().is_empty()))
        {
            return None;
        }
        Some(match &e.kind {
            ErrorKind::TooLong(n) => {
                text_with(self.lang, "forms.err.long", &[("n", &n.to_string())])
            }
            k => text(self.lang, error_key(k)).to_owned(),
        })
    }

    fn value(&self, name: &str) -> &str {
        self.values
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    }

    fn checked(&self, name: &str, v: &str) -> bool {
        self.values
            .get(name)
            .is_some_and(|vs| vs.iter().any(|x| x == v))
    }
}

/// The error summary: one link per error to its field (empty when there are none).
pub fn summary(v: &View) -> Markup {
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut seen = Vec::new();
    for (link_id, n) in v.unreadable {
        if let Some(item) = v.form.find(link_id) {
            entries.push((
                field_id(n),
                format!("{}: {}", item.text, text(v.lang, unreadable_key(item.kind))),
            ));
            seen.push(link_id.clone());
        }
    }
    for e in v.errors {
        if seen.contains(&e.link_id) {
            continue;
        }
        seen.push(e.link_id.clone());
        let msg = match &e.kind {
            ErrorKind::TooLong(n) => text_with(v.lang, "forms.err.long", &[("n", &n.to_string())]),
            k => text(v.lang, error_key(k)).to_owned(),
        };
        entries.push((
            first_field(v.form, &e.link_id),
            format!("{}: {msg}", e.text),
        ));
    }
    if entries.is_empty() {
        return html! {};
    }
    html! {
        div.error-summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
            h2 #error-summary-title { (text(v.lang, "forms.fill.errors-title")) }
            ul { @for (id, msg) in &entries { li { a href=(format!("#{id}")) { (msg) } } } }
        }
    }
}

/// The id of the first field of a linkId (its first instance in a repeated group).
fn first_field(form: &Form, link_id: &str) -> String {
    fn walk(items: &[FormItem], prefix: &str, id: &str) -> Option<String> {
        for i in items {
            let path = name(prefix, &i.link_id);
            if i.link_id == id {
                return Some(path);
            }
            let p = if i.repeats {
                instance(&path, 0)
            } else {
                format!("{path}/")
            };
            if let Some(found) = walk(&i.items, &p, id) {
                return Some(found);
            }
        }
        None
    }
    field_id(&walk(&form.items, "", link_id).unwrap_or_else(|| link_id.to_string()))
}

/// The questions that apply, as fields.
pub fn questions(v: &View) -> Markup {
    let answers = answers_by_link_id(&json!({"item": v.items}));
    items(v, &v.form.items, "", &answers)
}

fn items(
    v: &View,
    list: &[FormItem],
    prefix: &str,
    answers: &HashMap<String, Vec<Value>>,
) -> Markup {
    html! {
        @for item in list.iter().filter(|i| is_enabled(i, answers)) {
            (one(v, item, prefix, answers))
        }
    }
}

fn required(v: &View, item: &FormItem) -> Markup {
    html! { @if item.required { " " span.required { (text(v.lang, "forms.fill.required")) } } }
}

fn one(v: &View, item: &FormItem, prefix: &str, answers: &HashMap<String, Vec<Value>>) -> Markup {
    let path = name(prefix, &item.link_id);
    let id = field_id(&path);
    let err_id = format!("e-{id}");
    let error = v.error_at(item, &path);
    let described = error.as_ref().map(|_| err_id.clone());
    let err = html! { @if let Some(e) = &error { p.field-error id=(err_id) { (e) } } };
    match item.kind {
        ItemType::Display => html! { p.display-text { (item.text) } },
        ItemType::Unsupported => html! {},
        ItemType::Group => {
            let n = if item.repeats {
                count(v.values, &path)
            } else {
                1
            };
            html! {
                fieldset.group id=(id) {
                    legend { (item.text) (required(v, item)) }
                    @if item.repeats { input type="hidden" name=(count_name(&path)) value=(n); }
                    @for i in 0..n {
                        @let p = if item.repeats { instance(&path, i) } else { format!("{path}/") };
                        @if item.repeats {
                            fieldset.instance { legend { (item.text) " " (i + 1) } (items(v, &item.items, &p, answers)) }
                        } @else {
                            (items(v, &item.items, &p, answers))
                        }
                    }
                    @if item.repeats && n < 20 {
                        button.secondary type="submit" name="action" value=(format!("add:{path}")) formnovalidate {
                            (text_with(v.lang, "forms.fill.add", &[("what", &item.text)]))
                        }
                    }
                }
            }
        }
        ItemType::Boolean => html! {
            fieldset.question id=(id) aria-describedby=[described.as_deref()] {
                legend { (item.text) (required(v, item)) }
                (err)
                @for (val, key) in [("true", "forms.yes"), ("false", "forms.no")] {
                    @let oid = format!("{id}-{val}");
                    div.choice {
                        input type="radio" id=(oid) name=(path) value=(val) checked[v.checked(&path, val)];
                        label for=(oid) { (text(v.lang, key)) }
                    }
                }
            }
        },
        ItemType::Choice | ItemType::OpenChoice => {
            let kind = if item.repeats { "checkbox" } else { "radio" };
            let other = format!("{path}~other");
            html! {
                fieldset.question id=(id) aria-describedby=[described.as_deref()] {
                    legend { (item.text) (required(v, item)) }
                    (err)
                    @for (i, o) in item.options.iter().enumerate() {
                        @let val = format!("o{i}");
                        @let oid = format!("{id}-{i}");
                        div.choice {
                            input type=(kind) id=(oid) name=(path) value=(val) checked[v.checked(&path, &val)];
                            label for=(oid) { (o.display) }
                        }
                    }
                    @if item.kind == ItemType::OpenChoice {
                        div.other {
                            label for=(field_id(&other)) { (text(v.lang, "forms.fill.other")) }
                            input type="text" id=(field_id(&other)) name=(other) value=(v.value(&other)) maxlength=[item.max_length];
                        }
                    }
                }
            }
        }
        _ => {
            let (input_type, mode) = match item.kind {
                ItemType::Integer => ("text", Some("numeric")),
                ItemType::Decimal => ("text", Some("decimal")),
                ItemType::Date => ("date", None),
                _ => ("text", None),
            };
            html! {
                div.question {
                    label for=(id) { (item.text) (required(v, item)) }
                    (err)
                    @if item.kind == ItemType::Text {
                        textarea id=(id) name=(path) rows="5" maxlength=[item.max_length]
                            aria-describedby=[described.as_deref()] aria-invalid=[error.as_ref().map(|_| "true")] { (v.value(&path)) }
                    } @else {
                        input type=(input_type) id=(id) name=(path) value=(v.value(&path)) inputmode=[mode]
                            maxlength=[item.max_length] autocomplete="off"
                            aria-describedby=[described.as_deref()] aria-invalid=[error.as_ref().map(|_| "true")];
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nordlys_forms::{builtin::triage, validate};

    #[test]
    fn follow_ups_errors_and_repeats_are_drawn() {
        let form = Form::parse(&triage("t", "u")).unwrap_or_else(|| panic!("form"));
        let mut values = Fields::new();
        values.insert("fever".into(), vec!["true".into()]);
        values.insert("n:meds".into(), vec!["2".into()]);
        let items = json!([{"linkId": "fever", "answer": [{"valueBoolean": true}]}]);
        let errors = validate(&form, &json!({"item": items}));
        let unreadable = vec![];
        let v = View {
            lang: Lang::Nb,
            form: &form,
            values: &values,
            items: &items,
            errors: &errors,
            unreadable: &unreadable,
        };
        let page = html! { (summary(&v)) (questions(&v)) }.into_string();
        assert!(page.contains("id=\"f-temp\""), "the follow-up is shown");
        assert!(
            page.contains("href=\"#f-temp\""),
            "and linked from the summary"
        );
        assert!(page.contains("aria-describedby=\"e-f-temp\""));
        assert!(page.contains("name=\"meds~1/meds.name\""), "two medicines");
        assert!(page.contains("value=\"add:meds\""));
        assert!(!page.contains("href=\"#f-fever\""), "fever is answered");
        assert_eq!(field_id("meds~1/meds.name"), "f-meds-1-meds-name");
    }
}
