//! `GET /fhir/metadata`: the CapabilityStatement, public (no token needed).
//!
//! Why generated from the definitions: the statement must list exactly what the
//! server does; the store indexes every search parameter of the R4 definitions
//! (composite and special ones excepted), so the same definitions produce the list.
//! Built once per process: the definitions do not change while running.
use std::collections::BTreeSet;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use nordlys_fhir::{definitions, ParamType, SearchParamDef};
use serde_json::{json, Value};

use super::input::FhirRequest;
use super::output::fhir_json;

pub async fn metadata(req: FhirRequest) -> Response {
    // Kept as `Bytes`: the statement is large and polled; a clone is a reference count.
    static STATEMENT: OnceLock<Bytes> = OnceLock::new();
    let body = STATEMENT
        .get_or_init(|| Bytes::from(crate::outcome::resource_text(&capability_statement())));
    if req.pretty {
        return fhir_json(
            StatusCode::OK,
            String::from_utf8_lossy(body).into_owned(),
            true,
        );
    }
    let mut r = (StatusCode::OK, body.clone()).into_response();
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(super::FHIR_JSON));
    r
}

fn type_code(kind: ParamType) -> Option<&'static str> {
    Some(match kind {
        ParamType::Number => "number",
        ParamType::Date => "date",
        ParamType::String => "string",
        ParamType::Token => "token",
        ParamType::Reference => "reference",
        ParamType::Quantity => "quantity",
        ParamType::Uri => "uri",
        ParamType::Composite | ParamType::Special => return None,
    })
}

/// The statement as JSON.
pub fn capability_statement() -> Value {
    let defs = definitions();
    let types = defs.resource_types();
    let resources: Vec<Value> = types.iter().map(|rt| resource_entry(rt, &types)).collect();
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": Utc::now().format("%Y-%m-%d").to_string(),
        "publisher": "Nordlys",
        "kind": "instance",
        "software": {"name": "Nordlys", "version": env!("CARGO_PKG_VERSION")},
        "implementation": {"description": "Nordlys FHIR R4 server for Norwegian patient services"},
        "fhirVersion": "4.0.1",
        "format": ["json", "application/fhir+json"],
        "rest": [{
            "mode": "server",
            "security": {
                "service": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "OAuth"}]}],
                "description": "Bearer JWTs from ID-porten (citizens) and HelseID (practitioners, systems)."
            },
            "resource": resources,
            "interaction": [{"code": "transaction"}, {"code": "batch"}, {"code": "history-system"}],
        }]
    })
}

fn resource_entry(rt: &str, all_types: &[&str]) -> Value {
    let defs = definitions();
    let params = defs.search_params(rt);
    let mut search_param: Vec<Value> = Vec::new();
    let mut seen = BTreeSet::new();
    for p in params {
        if let Some(kind) = type_code(p.kind) {
            if seen.insert(p.code.clone()) {
                search_param.push(json!({"name": p.code, "type": kind}));
            }
        }
    }
    for (name, kind) in [("_id", "token"), ("_lastUpdated", "date")] {
        if seen.insert(name.to_owned()) {
            search_param.push(json!({"name": name, "type": kind}));
        }
    }
    let includes: Vec<String> = refs(params).map(|p| format!("{rt}:{}", p.code)).collect();
    let revincludes: Vec<String> = all_types
        .iter()
        .flat_map(|source| {
            refs(defs.search_params(source))
                .filter(|p| p.targets.iter().any(|t| t == rt))
                .map(move |p| format!("{source}:{}", p.code))
        })
        .collect();
    let interactions: Vec<Value> = [
        "read",
        "vread",
        "update",
        "delete",
        "history-instance",
        "history-type",
        "create",
        "search-type",
    ]
    .iter()
    .map(|c| json!({"code": c}))
    .collect();
    let mut entry = json!({
        "type": rt,
        "interaction": interactions,
        "versioning": "versioned-update",
        "readHistory": true,
        "updateCreate": true,
        "conditionalCreate": true,
        "conditionalRead": "not-supported",
        "conditionalUpdate": false,
        "conditionalDelete": "not-supported",
        "searchInclude": includes,
        "searchRevInclude": revincludes,
        "searchParam": search_param,
    });
    if rt == "Patient" {
        entry["operation"] = json!([{
            "name": "everything",
            "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"
        }]);
    }
    if rt == "Appointment" {
        // Booking on published Slots (docs/architecture.md "Booking"); Nordlys' own
        // operations, race-safe: 409 when the time was just taken. `$guidance`: the
        // unit's rules applied to one appointment (docs/appointments.md).
        entry["operation"] = json!(["book", "reschedule", "cancel", "guidance"]
            .iter()
            .map(|n| json!({"name": n,
                "definition": format!("https://nordlys.no/fhir/OperationDefinition/Appointment-{n}")}))
            .collect::<Vec<_>>());
    }
    if rt == "Task" {
        // Digital dialog (docs/dialog.md): a citizen starts a thread; either side
        // records its read receipt. Answers are plain `POST Communication` `partOf`.
        entry["operation"] = json!(["start-dialog", "mark-read"]
            .iter()
            .map(|n| json!({"name": n,
                "definition": format!("https://nordlys.no/fhir/OperationDefinition/Task-{n}")}))
            .collect::<Vec<_>>());
    }
    if rt == "QuestionnaireResponse" {
        // A citizen's forms (docs/forms.md): validated, decided (§ 10) and delivered
        // to the receiving unit's inbox in one commit.
        entry["operation"] = json!(["submit", "draft"]
            .iter()
            .map(|n| json!({"name": n,
                "definition": format!("https://nordlys.no/fhir/OperationDefinition/QuestionnaireResponse-{n}")}))
            .collect::<Vec<_>>());
    }
    entry
}

fn refs(params: &[SearchParamDef]) -> impl Iterator<Item = &SearchParamDef> {
    params.iter().filter(|p| p.kind == ParamType::Reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_shape() {
        let cs = capability_statement();
        assert_eq!(cs["resourceType"], "CapabilityStatement");
        assert_eq!(cs["fhirVersion"], "4.0.1");
        let resources = cs["rest"][0]["resource"].as_array().map(Vec::len);
        assert_eq!(resources, Some(definitions().resource_types().len()));
    }
}
