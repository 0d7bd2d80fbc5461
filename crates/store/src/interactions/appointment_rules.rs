//! Appointment rules ("Mine timeavtaler – oppgaver og informasjon"): which of a
//! unit's published information texts and tasks belong to one appointment, by the
//! patient's age and sex, the appointment's type and its place.
//!
//! Pure domain logic, no store, HTTP or SQL: the store operation
//! (`appointment_guidance.rs`) gathers the facts and the unit's rules, this module
//! decides. Why that split: the conditions are where mistakes hide (age on which
//! day, inclusive bounds, "any of" versus "all of"), so they are tested here table by
//! table without a server.
//!
//! A rule is a FHIR R4 `PlanDefinition` with `type` = [`RULE_KIND_SYSTEM`]|
//! [`RULE_KIND_CODE`], `status` active, and its conditions as `useContext`
//! (R4's "the context in which this applies", codes of
//! `http://terminology.hl7.org/CodeSystem/usage-context-type`):
//! `age` → `valueRange` in years (bounds inclusive, either may be absent),
//! `gender` → `valueCodeableConcept` (administrative-gender code),
//! `focus` → `valueCodeableConcept`: the appointment's type (a coding of
//! `Appointment.appointmentType` or `.serviceType`, same system and code),
//! `venue` → `valueReference`: the place (a `Location/…` or `HealthcareService/…`
//! among the appointment's participants). Several contexts of one kind: any of them;
//! different kinds: all of them; none of a kind: no condition. A condition on a fact
//! that is unknown (no birth date) does not hold: targeted advice is not guessed.
//! Each `action` is shown: `code` [`GUIDANCE_SYSTEM`] `information` or `task`,
//! `title`, `description`, `documentation` links (https only) and, for a form to
//! fill, `definitionCanonical` `Questionnaire/{id}`.
use chrono::NaiveDate;
use serde_json::{json, Value};

/// The kind of PlanDefinition that is an appointment rule.
pub const RULE_KIND_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/plan-kind";
pub const RULE_KIND_CODE: &str = "appointment-rule";
/// Whether an action is information to read or a task to do.
pub const GUIDANCE_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/appointment-guidance";
const USAGE_CONTEXT: &str = "http://terminology.hl7.org/CodeSystem/usage-context-type";

/// What the rules are evaluated against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Completed years on the day of the appointment.
    pub age: Option<i32>,
    /// `male`, `female`, `other`, `unknown`.
    pub sex: Option<String>,
    /// (system, code) of `appointmentType` and `serviceType`.
    pub types: Vec<(String, String)>,
    /// `Location/…`, `HealthcareService/…` references among the participants.
    pub places: Vec<String>,
}

/// Information to read, or something to do before the appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Information,
    Task,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Information => "information",
            Kind::Task => "task",
        }
    }
}

/// One thing a rule shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub kind: Kind,
    pub title: String,
    pub text: Option<String>,
    /// (url, display), https only.
    pub links: Vec<(String, String)>,
    /// `Questionnaire/{id}` of a form to fill in.
    pub form: Option<String>,
}

/// One published rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rule {
    /// `PlanDefinition/{id}`.
    pub reference: String,
    pub ages: Vec<(Option<i32>, Option<i32>)>,
    pub sexes: Vec<String>,
    pub types: Vec<(String, String)>,
    pub places: Vec<String>,
    pub actions: Vec<Action>,
}

fn s<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn codings(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(|c| c.get("coding"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| Some((s(c, "/system")?.to_owned(), s(c, "/code")?.to_owned())))
        .collect()
}

/// The facts of an appointment for its patient (`patient`: the Patient resource
/// as the caller sees it, if at all).
pub fn facts_of(appointment: &Value, patient: Option<&Value>) -> Facts {
    // The appointment's day in Norway (a start written in UTC late in the evening
    // is the next Norwegian day).
    let day = s(appointment, "/start")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| nordlys_policy::oslo_today(t.with_timezone(&chrono::Utc)));
    let birth = patient
        .and_then(|p| s(p, "/birthDate"))
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let age = match (birth, day) {
        (Some(b), Some(d)) if b <= d => Some(nordlys_fhir::time::age_on(b, d)),
        _ => None,
    };
    let mut types = codings(appointment.get("appointmentType"));
    for st in appointment
        .get("serviceType")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        types.extend(codings(Some(st)));
    }
    let places = appointment
        .get("participant")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| s(p, "/actor/reference"))
        .filter(|r| r.starts_with("Location/") || r.starts_with("HealthcareService/"))
        .map(str::to_owned)
        .collect();
    Facts {
        age,
        sex: patient.and_then(|p| s(p, "/gender")).map(str::to_owned),
        types,
        places,
    }
}

fn years(v: Option<&Value>) -> Option<i32> {
    v?.get("value")?.as_f64().map(|y| y.floor() as i32)
}

fn action_of(a: &Value) -> Option<Action> {
    let kind = match codings(a.pointer("/code/0"))
        .iter()
        .find(|(sys, _)| sys == GUIDANCE_SYSTEM)
    {
        Some((_, c)) if c == "task" => Kind::Task,
        _ => Kind::Information,
    };
    let title = s(a, "/title")
        .or_else(|| s(a, "/description"))?
        .trim()
        .to_owned();
    let text = s(a, "/description")
        .filter(|d| s(a, "/title").is_some() && !d.trim().is_empty())
        .map(|d| d.trim().to_owned());
    let links = a
        .get("documentation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| {
            let url = s(d, "/url")?;
            url.starts_with("https://")
                .then(|| (url.to_owned(), s(d, "/display").unwrap_or(url).to_owned()))
        })
        .collect();
    let form = s(a, "/definitionCanonical")
        .filter(|c| {
            c.strip_prefix("Questionnaire/")
                .is_some_and(|id| !id.is_empty() && !id.contains('/'))
        })
        .map(str::to_owned);
    Some(Action {
        kind,
        title,
        text,
        links,
        form,
    })
}

/// The rule a PlanDefinition publishes, if it is an active appointment rule.
pub fn rule_of(plan: &Value) -> Option<Rule> {
    let is_rule = codings(plan.get("type"))
        .iter()
        .any(|(sys, c)| sys == RULE_KIND_SYSTEM && c == RULE_KIND_CODE);
    if !is_rule || s(plan, "/status") != Some("active") {
        return None;
    }
    let mut rule = Rule {
        reference: format!("PlanDefinition/{}", s(plan, "/id").unwrap_or_default()),
        ..Rule::default()
    };
    for ctx in plan
        .get("useContext")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if s(ctx, "/code/system") != Some(USAGE_CONTEXT) {
            continue;
        }
        match s(ctx, "/code/code") {
            Some("age") => {
                let range = ctx.get("valueRange");
                rule.ages.push((
                    years(range.and_then(|r| r.get("low"))),
                    years(range.and_then(|r| r.get("high"))),
                ));
            }
            Some("gender") => rule.sexes.extend(
                codings(ctx.get("valueCodeableConcept"))
                    .into_iter()
                    .map(|(_, c)| c),
            ),
            Some("focus") => rule.types.extend(codings(ctx.get("valueCodeableConcept"))),
            Some("venue") => {
                if let Some(r) = s(ctx, "/valueReference/reference") {
                    rule.places.push(r.to_owned());
                }
            }
            _ => {}
        }
    }
    rule.actions = plan
        .get("action")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(action_of)
        .collect();
    Some(rule)
}

impl Rule {
    /// Whether every kind of condition holds for `facts` (any one of each kind).
    pub fn applies(&self, f: &Facts) -> bool {
        let age_ok = self.ages.is_empty()
            || f.age.is_some_and(|age| {
                self.ages
                    .iter()
                    .any(|(lo, hi)| lo.is_none_or(|l| age >= l) && hi.is_none_or(|h| age <= h))
            });
        let sex_ok =
            self.sexes.is_empty() || f.sex.as_ref().is_some_and(|s| self.sexes.contains(s));
        let type_ok = self.types.is_empty() || self.types.iter().any(|t| f.types.contains(t));
        let place_ok = self.places.is_empty() || self.places.iter().any(|p| f.places.contains(p));
        age_ok && sex_ok && type_ok && place_ok
    }
}

/// The actions of every rule that applies, in the rules' order.
pub fn matching<'a>(rules: &'a [Rule], facts: &Facts) -> Vec<(&'a Rule, &'a Action)> {
    rules
        .iter()
        .filter(|r| r.applies(facts))
        .flat_map(|r| r.actions.iter().map(move |a| (r, a)))
        .collect()
}

/// The answer as a FHIR R4 `RequestGroup` (what `PlanDefinition/$apply` yields),
/// computed, never stored: `basedOn` the appointment, `instantiatesCanonical` the
/// rules applied, one `action` per information text or task.
pub fn request_group(
    appointment: &str,
    patient: Option<&str>,
    matched: &[(&Rule, &Action)],
) -> Value {
    let mut rules: Vec<&str> = matched.iter().map(|(r, _)| r.reference.as_str()).collect();
    rules.dedup();
    let actions: Vec<Value> = matched
        .iter()
        .map(|(_, a)| {
            let mut v = json!({
                "title": a.title,
                "code": [{"coding": [{"system": GUIDANCE_SYSTEM, "code": a.kind.code()}]}],
            });
            if let Some(t) = &a.text {
                v["description"] = json!(t);
            }
            if !a.links.is_empty() {
                v["documentation"] = a
                    .links
                    .iter()
                    .map(|(url, display)| json!({"type": "documentation", "url": url, "display": display}))
                    .collect();
            }
            if let Some(f) = &a.form {
                v["resource"] = json!({"reference": f});
            }
            v
        })
        .collect();
    let mut group = json!({
        "resourceType": "RequestGroup",
        "status": "active",
        "intent": "proposal",
        "basedOn": [{"reference": appointment}],
        "action": actions,
    });
    if !rules.is_empty() {
        group["instantiatesCanonical"] = json!(rules);
    }
    if let Some(p) = patient {
        group["subject"] = json!({"reference": p});
    }
    group
}

#[cfg(test)]
#[path = "appointment_rules_tests.rs"]
mod tests;
