//! `GET /fhir/Patient/[id]/$explain?item=Type/id&as=…`: why a principal sees an item
//! of this patient at the level it does (access-policy.md § 12), as a `Parameters`
//! resource.
//!
//! Why the principal is written as one compact `as` value instead of a token: the
//! person asking (a clinician, an operator's system) is not the person asked about, and
//! must not be able to obtain their token. The forms are
//! `citizen:<pid>`, `practitioner:<hpr>:<orgnr>[:<purpose>]` and
//! `system:<client_id>:<orgnr>[:<scopes>]` (scopes separated by spaces, default
//! `system/*.read`); without `as` the caller is explained to themself. The decision
//! itself is the store's ([`nordlys_store::FhirStore::explain`]), through the same gate
//! as every read.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use nordlys_fhir::ids::{parse_national_id, validate_hpr, validate_orgnr};
use nordlys_policy::{Principal, Purpose, SecurityLevel};
use nordlys_store::{relation_code, Explanation};
use serde_json::{json, Value};

use super::input::{check_id, FhirPath, FhirRequest};
use super::output::fhir_json;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::outcome::resource_text;
use crate::AppState;

/// Scopes assumed for `system:<client_id>:<orgnr>` without scopes.
const DEFAULT_SYSTEM_SCOPE: &str = "system/*.read";

pub async fn explain(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    FhirPath(id): FhirPath<String>,
    req: FhirRequest,
) -> ApiResult<Response> {
    check_id(&id)?;
    let mut item = None;
    let mut as_principal = None;
    for (k, v) in &req.params {
        let slot = match k.as_str() {
            "item" => &mut item,
            "as" => &mut as_principal,
            other => {
                return Err(ApiError::BadRequest(format!(
                    "$explain takes the parameters item and as, not '{other}'"
                )))
            }
        };
        if slot.replace(v.clone()).is_some() {
            return Err(ApiError::BadRequest(format!(
                "$explain takes {k} only once"
            )));
        }
    }
    let item = item.ok_or_else(|| {
        ApiError::BadRequest("$explain needs item=Type/id (the item to explain)".into())
    })?;
    let principal = match as_principal {
        Some(text) => parse_principal(&text)?,
        None => ctx.principal.clone(),
    };
    let explanation = state.store.explain(&ctx, &id, &item, principal).await?;
    Ok(fhir_json(
        StatusCode::OK,
        resource_text(&parameters(&explanation)),
        req.pretty,
    ))
}

/// Parses the `as` forms of the module documentation.
pub fn parse_principal(text: &str) -> ApiResult<Principal> {
    let bad = |why: &str| ApiError::BadRequest(format!("as='{text}': {why}"));
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        ["citizen", pid] => {
            parse_national_id(pid).map_err(|_| bad("not a valid national id"))?;
            Ok(Principal::Citizen {
                pid: (*pid).to_owned(),
                level: SecurityLevel::High,
            })
        }
        ["practitioner", hpr, orgnr, rest @ ..] if rest.len() <= 1 => {
            validate_hpr(hpr).map_err(|_| bad("not a valid HPR number"))?;
            validate_orgnr(orgnr).map_err(|_| bad("not a valid organisation number"))?;
            let purpose = match rest.first() {
                None => None,
                Some(code) => Some(
                    Purpose::from_code(code)
                        .ok_or_else(|| bad("purpose must be TREAT, ETREAT or COC"))?,
                ),
            };
            Ok(Principal::Practitioner {
                hpr: (*hpr).to_owned(),
                orgnr: (*orgnr).to_owned(),
                purpose,
            })
        }
        ["system", client_id, orgnr, rest @ ..] if rest.len() <= 1 && !client_id.is_empty() => {
            validate_orgnr(orgnr).map_err(|_| bad("not a valid organisation number"))?;
            let scopes = rest.first().copied().unwrap_or(DEFAULT_SYSTEM_SCOPE);
            Ok(Principal::System {
                client_id: (*client_id).to_owned(),
                orgnr: (*orgnr).to_owned(),
                scopes: scopes.split_whitespace().map(str::to_owned).collect(),
            })
        }
        _ => Err(bad(
            "use citizen:<pid>, practitioner:<hpr>:<orgnr>[:<purpose>] or system:<client_id>:<orgnr>[:<scopes>]",
        )),
    }
}

/// The `as` form of a principal (the inverse of [`parse_principal`]).
fn principal_text(p: &Principal) -> String {
    match p {
        Principal::Citizen { pid, .. } => format!("citizen:{pid}"),
        Principal::Practitioner {
            hpr,
            orgnr,
            purpose,
        } => match purpose {
            Some(pu) => format!("practitioner:{hpr}:{orgnr}:{}", pu.code()),
            None => format!("practitioner:{hpr}:{orgnr}"),
        },
        Principal::System {
            client_id,
            orgnr,
            scopes,
        } => format!("system:{client_id}:{orgnr}:{}", scopes.join(" ")),
    }
}

/// The `Parameters` resource of an explanation.
pub fn parameters(e: &Explanation) -> Value {
    let mut params = vec![
        json!({"name": "item", "valueReference": {"reference": e.item}}),
        json!({"name": "principal", "valueString": principal_text(&e.principal)}),
        json!({"name": "level", "valueCode": e.decision.level.code()}),
        json!({"name": "reason", "valueCode": e.decision.reason.code()}),
    ];
    if let Some(t) = e.opens_at {
        params.push(
            json!({"name": "opensAt", "valueDateTime": nordlys_store::model::format_instant(t)}),
        );
    }
    params.push(json!({"name": "notifyPatient", "valueBoolean": e.decision.notify_patient}));
    for r in &e.relations {
        let mut part = vec![
            json!({"name": "kind", "valueCode": relation_code(r.kind)}),
            json!({"name": "holds", "valueBoolean": r.holds()}),
        ];
        if let Some(refusal) = r.refusal {
            part.push(json!({"name": "refusal", "valueCode": refusal.code()}));
        }
        if let Some(rp) = &r.related_person {
            part.push(json!({"name": "relatedPerson", "valueReference": {"reference": rp}}));
        }
        if let Some(g) = &r.grant {
            part.push(json!({"name": "grant", "valueReference": {"reference": grant_ref(g)}}));
        }
        params.push(json!({"name": "relation", "part": part}));
    }
    json!({"resourceType": "Parameters", "parameter": params})
}

/// A grant id as a reference (`Consent/<id>` unless it already is one).
fn grant_ref(g: &str) -> String {
    if g.contains('/') {
        g.to_owned()
    } else {
        format!("Consent/{g}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_parse_and_print() {
        for text in [
            "citizen:14871371270",
            "practitioner:565501872:983974899",
            "practitioner:565501872:983974899:ETREAT",
            "system:dips-unn:983974899:system/*.read system/*.write",
        ] {
            let p = parse_principal(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(principal_text(&p), text);
        }
        let Ok(Principal::System { scopes, .. }) = parse_principal("system:dips-unn:983974899")
        else {
            panic!("system without scopes");
        };
        assert_eq!(scopes, ["system/*.read"]);
    }

    #[test]
    fn the_answer_is_a_valid_parameters_resource() {
        use nordlys_policy::{Decision, Level, Reason, Refusal, Relation, RelationKind};
        let until = chrono::DateTime::parse_from_rfc3339("2026-12-02T09:00:00Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        let e = Explanation {
            item: "DocumentReference/doc-1".into(),
            principal: Principal::Citizen {
                pid: "14871371270".into(),
                level: SecurityLevel::High,
            },
            decision: Decision::new(Level::None, Reason::ParentYouthClosed),
            opens_at: Some(until),
            relations: vec![
                Relation {
                    kind: RelationKind::Parent,
                    related_person: Some("RelatedPerson/mother".into()),
                    grant: None,
                    refusal: Some(Refusal::AddressRule),
                },
                Relation {
                    kind: RelationKind::FosterParent,
                    related_person: None,
                    grant: Some("consent-1".into()),
                    refusal: None,
                },
            ],
        };
        let p = parameters(&e);
        assert_eq!(nordlys_fhir::validate_resource(&p), Ok(()), "{p}");
        let names: Vec<&str> = p["parameter"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            names,
            [
                "item",
                "principal",
                "level",
                "reason",
                "opensAt",
                "notifyPatient",
                "relation",
                "relation"
            ]
        );
        assert_eq!(
            p["parameter"][3]["valueCode"],
            "parent.youth.default-closed"
        );
        assert_eq!(
            p["parameter"][4]["valueDateTime"],
            "2026-12-02T09:00:00.000Z"
        );
        assert_eq!(
            p["parameter"][6]["part"][2],
            json!({"name": "refusal", "valueCode": "relation.parent.address-rule"})
        );
        assert_eq!(
            p["parameter"][7]["part"][2],
            json!({"name": "grant", "valueReference": {"reference": "Consent/consent-1"}})
        );
    }

    #[test]
    fn bad_principals_are_refused() {
        for text in [
            "",
            "citizen",
            "citizen:12345678901",
            "practitioner:565501872",
            "practitioner:565501872:983974899:PLAY",
            "practitioner:565501872:123:TREAT",
            "system::983974899",
            "operator:x",
        ] {
            assert!(
                matches!(parse_principal(text), Err(ApiError::BadRequest(_))),
                "{text} was accepted"
            );
        }
    }
}
