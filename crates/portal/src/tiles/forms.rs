//! Forms (skjema): the patient's QuestionnaireResponses with the form's title, its
//! status in plain words and date; the detail page lists each question and answer.
//!
//! Why the title comes from the Questionnaire: a response names its form only by
//! canonical URL, which means nothing to a citizen. Questionnaires are directory data
//! (readable by everyone), so one `url=` search for all forms on the page gives the
//! titles; when a form is not in the store, its URL's last part is shown instead.
//! Question texts are copied into the response by the form filler, so the detail page
//! needs nothing else. Above the list: forms asked for, drafts and forms on offer
//! (`forms_offer`); filling in is `forms_fill`.
use std::collections::HashMap;

use maud::{html, Markup};
use serde_json::Value;

use super::common::search_any;
use super::{ListPage, Row};
use crate::fetch::{items, PortalError};
use crate::i18n::{fhir_date, number, text, Lang};
use crate::session::Citizen;
use crate::view::{concept_text, first_date, is_redacted, quantity, sort_date, str_at};
use crate::PortalState;

const DATES: [&str; 2] = ["/authored", "/meta/lastUpdated"];

/// The plain-words key of a QuestionnaireResponse status.
fn status_key(status: &str) -> &'static str {
    match status {
        "in-progress" => "forms.status.draft",
        "completed" => "forms.status.completed",
        "amended" => "forms.status.amended",
        "stopped" => "forms.status.stopped",
        "entered-in-error" => "forms.status.error",
        _ => "forms.status.unknown",
    }
}

/// Questionnaire titles by canonical URL (`url` or `url|version`), one search.
async fn titles(
    state: &PortalState,
    citizen: &Citizen,
    urls: &[String],
) -> Result<HashMap<String, String>, PortalError> {
    let plain: Vec<&str> = urls
        .iter()
        .map(|u| u.split('|').next().unwrap_or(u))
        .collect();
    let found = search_any(state, citizen, "Questionnaire", "url", plain, 4).await?;
    let mut out = HashMap::new();
    for (_, q) in found {
        let (Some(url), Some(title)) = (
            str_at(&q, "/url"),
            str_at(&q, "/title").or_else(|| str_at(&q, "/name")),
        ) else {
            continue;
        };
        out.insert(url.to_owned(), title.to_owned());
        if let Some(v) = str_at(&q, "/version") {
            out.insert(format!("{url}|{v}"), title.to_owned());
        }
    }
    Ok(out)
}

/// The form's title: the Questionnaire's, else the last part of its URL.
pub fn title_of(titles: &HashMap<String, String>, response: &Value) -> Option<String> {
    let url = str_at(response, "/questionnaire")?;
    titles
        .get(url)
        .or_else(|| titles.get(url.split('|').next().unwrap_or(url)))
        .cloned()
        .or_else(|| {
            let last = url
                .split('|')
                .next()?
                .trim_end_matches('/')
                .rsplit('/')
                .next()?;
            Some(last.to_owned()).filter(|l| !l.is_empty())
        })
}

pub async fn list(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    let lang = citizen.lang;
    let found = items(
        state,
        citizen,
        "QuestionnaireResponse",
        "subject",
        patient_id,
        &[],
    )
    .await?;
    let urls: Vec<String> = found
        .iter()
        .filter_map(|(_, r)| str_at(r, "/questionnaire").map(str::to_owned))
        .collect();
    let titles = titles(state, citizen, &urls).await?;
    let drafts: Vec<(String, Value)> = found
        .iter()
        .filter(|(_, r)| str_at(r, "/status") == Some("in-progress"))
        .map(|(s, r)| (s.id.clone(), r.clone()))
        .collect();
    let extra = super::forms_offer::extra(state, citizen, patient_id, &drafts).await?;
    let rows = found
        .into_iter()
        .map(|(s, r)| Row {
            reference: format!("QuestionnaireResponse/{}", s.id),
            sort: sort_date(&r, &DATES),
            date: first_date(&r, &DATES),
            title: title_of(&titles, &r)
                .unwrap_or_else(|| text(lang, "journal.untitled").to_owned()),
            detail: None,
            badges: str_at(&r, "/status")
                .map(|st| vec![text(lang, status_key(st)).to_owned()])
                .unwrap_or_default(),
            metadata_only: is_redacted(&r),
        })
        .collect();
    Ok(ListPage {
        rows,
        extra: Some(extra),
    })
}

/// One answer in words.
pub fn answer_text(lang: Lang, answer: &Value) -> Option<String> {
    let obj = answer.as_object()?;
    let (key, v) = obj.iter().find(|(k, _)| k.starts_with("value"))?;
    Some(match (key.as_str(), v) {
        ("valueBoolean", Value::Bool(b)) => {
            text(lang, if *b { "forms.yes" } else { "forms.no" }).to_owned()
        }
        ("valueDecimal", Value::Number(n)) => {
            let s = n.to_string();
            let decimals = s.split_once('.').map(|(_, f)| f.len()).unwrap_or(0);
            number(n.as_f64()?, decimals.min(3))
        }
        ("valueInteger", Value::Number(n)) => n.to_string(),
        ("valueDate" | "valueDateTime" | "valueTime", Value::String(s)) => fhir_date(s),
        ("valueCoding", c) => str_at(c, "/display")
            .or_else(|| str_at(c, "/code"))?
            .to_owned(),
        ("valueQuantity", q) => quantity(Some(q))?,
        ("valueAttachment", a) => str_at(a, "/title").unwrap_or("").to_owned(),
        ("valueReference", r) => str_at(r, "/display").unwrap_or("").to_owned(),
        (_, Value::String(s)) => s.clone(),
        (_, other) => concept_text(Some(other))?,
    })
}

/// One question (or group heading) with its answers, at a nesting depth.
#[derive(Debug, Clone, PartialEq)]
pub struct Qa {
    pub depth: usize,
    pub question: String,
    pub answers: Vec<String>,
    /// A group of questions rather than a question (never "not answered").
    pub group: bool,
}

/// Questions and answers in order, nested groups flattened with their depth.
pub fn questions(items: Option<&Value>, depth: usize, lang: Lang, out: &mut Vec<Qa>) {
    let Some(list) = items.and_then(Value::as_array) else {
        return;
    };
    for item in list {
        let question = str_at(item, "/text")
            .or_else(|| str_at(item, "/linkId"))
            .unwrap_or("")
            .to_owned();
        let answers: Vec<String> = item
            .get("answer")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|x| answer_text(lang, x)).collect())
            .unwrap_or_default();
        out.push(Qa {
            depth,
            question,
            group: item.get("item").is_some() && answers.is_empty(),
            answers,
        });
        questions(item.get("item"), depth + 1, lang, out);
        // Questions under an answer (FHIR allows nesting there too).
        if let Some(a) = item.get("answer").and_then(Value::as_array) {
            for x in a {
                questions(x.get("item"), depth + 1, lang, out);
            }
        }
    }
}

pub async fn detail(
    state: &PortalState,
    citizen: &Citizen,
    response: &Value,
) -> Result<Markup, PortalError> {
    let lang = citizen.lang;
    let urls: Vec<String> = str_at(response, "/questionnaire")
        .map(str::to_owned)
        .into_iter()
        .collect();
    let titles = titles(state, citizen, &urls).await?;
    let mut qa = Vec::new();
    questions(response.get("item"), 0, lang, &mut qa);
    Ok(html! {
        article.form {
            h1 { (title_of(&titles, response).unwrap_or_else(|| text(lang, "journal.untitled").to_owned())) }
            dl.facts {
                @if let Some(st) = str_at(response, "/status") {
                    dt { (text(lang, "field.status")) } dd { (text(lang, status_key(st))) }
                }
                @if let Some(d) = first_date(response, &DATES) {
                    dt { (text(lang, "field.date")) } dd { (d) }
                }
            }
            @if !qa.is_empty() {
                h2 { (text(lang, "forms.answers")) }
                dl.answers lang="nb" {
                    @for q in &qa {
                        dt.(format!("depth-{}", q.depth.min(3))) { (q.question) }
                        @if q.group {
                            dd.group { }
                        } @else if q.answers.is_empty() {
                            dd.none { (text(lang, "forms.no-answer")) }
                        } @else {
                            @for a in &q.answers { dd { (a) } }
                        }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn titles_fall_back_to_the_url() {
        let titles: HashMap<String, String> = [(
            "https://x.no/Questionnaire/phq9".to_owned(),
            "PHQ-9".to_owned(),
        )]
        .into();
        let r = json!({"questionnaire": "https://x.no/Questionnaire/phq9|2"});
        assert_eq!(title_of(&titles, &r), Some("PHQ-9".into()));
        let r = json!({"questionnaire": "https://x.no/Questionnaire/gad7"});
        assert_eq!(title_of(&titles, &r), Some("gad7".into()));
        assert_eq!(title_of(&titles, &json!({})), None);
    }

    #[test]
    fn questions_and_answers_in_words() {
        let r = json!({"item": [
            {"linkId": "1", "text": "Røyker du?", "answer": [{"valueBoolean": false}]},
            {"linkId": "2", "text": "Vekt", "answer": [{"valueDecimal": 81.5}]},
            {"linkId": "g", "text": "Plager", "item": [
                {"linkId": "g1", "text": "Hvilke?", "answer": [{"valueCoding": {"code": "a", "display": "Hodepine"}}, {"valueString": "Vondt i magen"}]}
            ]},
            {"linkId": "3", "text": "Dato", "answer": [{"valueDate": "2026-11-05"}]}
        ]});
        let mut qa = Vec::new();
        questions(r.get("item"), 0, Lang::Nb, &mut qa);
        let got: Vec<(usize, &str, Vec<&str>, bool)> = qa
            .iter()
            .map(|q| {
                (
                    q.depth,
                    q.question.as_str(),
                    q.answers.iter().map(String::as_str).collect(),
                    q.group,
                )
            })
            .collect();
        let no = text(Lang::Nb, "forms.no");
        assert_eq!(
            got,
            vec![
                (0, "Røyker du?", vec![no], false),
                (0, "Vekt", vec!["81,5"], false),
                (0, "Plager", vec![], true),
                (1, "Hvilke?", vec!["Hodepine", "Vondt i magen"], false),
                (0, "Dato", vec!["05.11.2026"], false),
            ]
        );
        assert_eq!(status_key("in-progress"), "forms.status.draft");
        assert_eq!(status_key("completed"), "forms.status.completed");
    }
}
