//! The forms operations on QuestionnaireResponse (issue 6 § 2):
//! `POST QuestionnaireResponse/$submit` and `POST QuestionnaireResponse/$draft`, each a
//! Parameters body with `patient`, `questionnaire` (references), `response` (a
//! QuestionnaireResponse whose `item` holds the answers) and optionally `draft` (the
//! draft continued) and `request` (the `form-request` Task answered).
//!
//! Why operations and not a plain POST: a citizen never writes through the generic
//! create; the store builds the response, validates it (422 naming each linkId),
//! decides it (§ 10) and, on submit, delivers it to the unit's inbox in one commit.
use axum::extract::State;
use axum::response::Response;
use nordlys_store::{FormAnswer, WriteOutcome};
use serde_json::{json, Value};

use super::booking::{id_param, param};
use super::input::{FhirRequest, RawBody};
use super::write_response;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

fn answer(params: &Value) -> ApiResult<FormAnswer> {
    let items = match param(params, "response") {
        Ok(p) => {
            let r = p.get("resource").ok_or_else(|| {
                ApiError::BadRequest(
                    "parameter 'response' must hold a QuestionnaireResponse".into(),
                )
            })?;
            if r.get("resourceType").and_then(Value::as_str) != Some("QuestionnaireResponse") {
                return Err(ApiError::BadRequest(
                    "parameter 'response' must hold a QuestionnaireResponse".into(),
                ));
            }
            r.get("item").cloned().unwrap_or_else(|| json!([]))
        }
        Err(_) => json!([]),
    };
    if !items.is_array() {
        return Err(ApiError::BadRequest(
            "QuestionnaireResponse.item must be a list".into(),
        ));
    }
    let optional = |name: &str, rt: &str| -> ApiResult<Option<String>> {
        match param(params, name) {
            Ok(_) => id_param(params, name, rt).map(Some),
            Err(_) => Ok(None),
        }
    };
    Ok(FormAnswer {
        patient_id: id_param(params, "patient", "Patient")?,
        questionnaire_id: id_param(params, "questionnaire", "Questionnaire")?,
        items,
        draft_id: optional("draft", "QuestionnaireResponse")?,
        request_id: optional("request", "Task")?,
    })
}

/// `POST QuestionnaireResponse/$submit`: 201 with the completed response; the
/// `form-answer` Task is found by `Task?focus=QuestionnaireResponse/{id}`.
pub async fn submit(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    req: FhirRequest,
    body: RawBody,
) -> ApiResult<Response> {
    let a = answer(&body.resource()?)?;
    let receipt = state.store.submit_form(&ctx, &a).await?;
    Ok(write_response(
        &WriteOutcome::Created(receipt.response),
        &req,
    ))
}

/// `POST QuestionnaireResponse/$draft`: 201 (new draft) or 200 (draft updated).
pub async fn draft(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    req: FhirRequest,
    body: RawBody,
) -> ApiResult<Response> {
    let a = answer(&body.resource()?)?;
    let stored = state.store.save_form_draft(&ctx, &a).await?;
    let outcome = if a.draft_id.is_some() {
        WriteOutcome::Updated(stored)
    } else {
        WriteOutcome::Created(stored)
    };
    Ok(write_response(&outcome, &req))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_to_an_answer() {
        let p = json!({"resourceType": "Parameters", "parameter": [
            {"name": "patient", "valueReference": {"reference": "Patient/p1"}},
            {"name": "questionnaire", "valueReference": {"reference": "Questionnaire/q1"}},
            {"name": "request", "valueReference": {"reference": "Task/t1"}},
            {"name": "response", "resource": {"resourceType": "QuestionnaireResponse",
                "item": [{"linkId": "a", "answer": [{"valueBoolean": true}]}]}}]});
        let a = answer(&p).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(a.patient_id, "p1");
        assert_eq!(a.questionnaire_id, "q1");
        assert_eq!(a.request_id.as_deref(), Some("t1"));
        assert_eq!(a.draft_id, None);
        assert_eq!(a.items[0]["linkId"], "a");
        let bad = json!({"resourceType": "Parameters", "parameter": [
            {"name": "patient", "valueReference": {"reference": "Patient/p1"}}]});
        assert!(answer(&bad).is_err());
    }
}
