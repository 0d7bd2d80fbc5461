//! The development token issuer behind `POST /dev/token` (`--dev-auth` only).
//!
//! Why it signs real RS256 JWTs with production claim names instead of a shortcut
//! header: everything past token checking must run the same code in development as
//! in production. The key pair under `crates/api/dev-keys/` is committed and public
//! on purpose (its file names say so); the issuer is only registered with dev auth on.
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use nordlys_policy::Purpose;
use serde::Deserialize;
use serde_json::{json, Value};

use super::claims::{HPR_CLAIM, ORGNR_CLAIM, TRUST_FRAMEWORK_TYPE};
use super::issuer::Issuer;
use super::{now_secs, AuthConfigError};
use crate::error::{ApiError, ApiResult};
use crate::fhir::input::RawBody;
use crate::AppState;

/// `iss` of development tokens.
pub const DEV_ISSUER: &str = "urn:nordlys:dev-issuer";
/// `aud` of development tokens.
pub const DEV_AUDIENCE: &str = "nordlys-api";
/// `kid` of the development key.
pub const DEV_KEY_ID: &str = "nordlys-dev-only-1";
/// Lifetime of a development token, seconds.
pub const DEV_TOKEN_LIFETIME: u64 = 3600;

/// DEVELOPMENT ONLY private key (public, committed): never trust what it signs.
pub const DEV_PRIVATE_KEY_PEM: &str =
    include_str!("../../dev-keys/DEV-ONLY-INSECURE-private-key.pem");
/// Its public half.
pub const DEV_PUBLIC_KEY_PEM: &str =
    include_str!("../../dev-keys/DEV-ONLY-INSECURE-public-key.pem");

/// The bodies `POST /dev/token` accepts (contract.md § Tokens).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum DevTokenRequest {
    Citizen {
        pid: String,
        #[serde(default)]
        acr: Option<String>,
    },
    Practitioner {
        hpr: String,
        orgnr: String,
        #[serde(default)]
        purpose: Option<String>,
        /// Why (required by the workspace for ETREAT); goes to the access log.
        #[serde(default)]
        reason: Option<String>,
    },
    System {
        client_id: String,
        orgnr: String,
        #[serde(default)]
        scope: Option<String>,
    },
}

pub(super) fn dev_issuer() -> Result<Issuer, AuthConfigError> {
    let err = |reason: String| AuthConfigError::Issuer {
        issuer: DEV_ISSUER.to_owned(),
        reason,
    };
    let key =
        DecodingKey::from_rsa_pem(DEV_PUBLIC_KEY_PEM.as_bytes()).map_err(|e| err(e.to_string()))?;
    Issuer::new(
        DEV_ISSUER,
        &[DEV_AUDIENCE.to_owned()],
        vec![(Some(DEV_KEY_ID.to_owned()), key)],
        vec![Algorithm::RS256],
    )
    .map_err(err)
}

/// The claims of a dev token: the same names as ID-porten / HelseID tokens.
pub fn dev_claims(request: &DevTokenRequest, now: u64) -> Result<Value, String> {
    let mut claims = json!({
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + DEV_TOKEN_LIFETIME,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    let extra = match request {
        DevTokenRequest::Citizen { pid, acr } => {
            json!({"sub": pid, "pid": pid, "acr": acr.as_deref().unwrap_or("idporten-loa-high")})
        }
        DevTokenRequest::Practitioner {
            hpr,
            orgnr,
            purpose,
            reason,
        } => {
            let mut c = json!({"sub": format!("hpr:{hpr}"), "client_id": "nordlys-dev-clinician",
                               HPR_CLAIM: hpr, ORGNR_CLAIM: orgnr});
            if let Some(code) = purpose {
                if Purpose::from_code(code).is_none() {
                    return Err(format!(
                        "purpose must be TREAT, ETREAT or COC, not '{code}'"
                    ));
                }
                c["authorization_details"] = json!([{
                    "type": TRUST_FRAMEWORK_TYPE,
                    "care_relationship": {"purpose_of_use": {
                        "code": code, "system": "urn:oid:2.16.840.1.113883.1.11.20448"}}
                }]);
                if let Some(text) = reason {
                    c["authorization_details"][0]["care_relationship"]["purpose_of_use"]["text"] =
                        json!(text);
                }
            } else if reason.is_some() {
                return Err("a reason needs a purpose".into());
            }
            c
        }
        DevTokenRequest::System {
            client_id,
            orgnr,
            scope,
        } => json!({
            "sub": client_id, "client_id": client_id, ORGNR_CLAIM: orgnr,
            "scope": scope.as_deref().unwrap_or("system/*.read system/*.write"),
        }),
    };
    if let (Value::Object(base), Value::Object(more)) = (&mut claims, extra) {
        base.extend(more);
    }
    Ok(claims)
}

/// Signs claims with the development key (also used by tests to make odd tokens).
pub fn sign_dev_token(claims: &Value) -> Result<String, jsonwebtoken::errors::Error> {
    let key = EncodingKey::from_rsa_pem(DEV_PRIVATE_KEY_PEM.as_bytes())?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(DEV_KEY_ID.to_owned());
    jsonwebtoken::encode(&header, claims, &key)
}

/// `POST /dev/token`.
pub async fn token_handler(State(state): State<AppState>, body: RawBody) -> ApiResult<Response> {
    if !state.auth.dev_enabled() {
        return Err(ApiError::NotFound(
            "development tokens are not enabled on this server".into(),
        ));
    }
    let request: DevTokenRequest = serde_json::from_slice(&body.bytes).map_err(|e| {
        ApiError::BadRequest(format!(
            "not a dev token request ({e}); see contract.md § Tokens"
        ))
    })?;
    let claims = dev_claims(&request, now_secs()).map_err(ApiError::BadRequest)?;
    // Check the claims with the production mapping so a bad pid/orgnr fails here, not later.
    super::claims::principal_from_claims(&claims).map_err(ApiError::BadRequest)?;
    let token = sign_dev_token(&claims)
        .map_err(|e| ApiError::Internal(format!("signing dev token: {e}")))?;
    let body =
        json!({"access_token": token, "token_type": "Bearer", "expires_in": DEV_TOKEN_LIFETIME});
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nordlys_policy::{Principal, SecurityLevel};

    #[test]
    fn contract_bodies_parse() {
        let c: Result<DevTokenRequest, _> = serde_json::from_str(
            r#"{"kind": "citizen", "pid": "13097248022", "acr": "idporten-loa-high"}"#,
        );
        assert!(matches!(c, Ok(DevTokenRequest::Citizen { .. })));
        let p: Result<DevTokenRequest, _> = serde_json::from_str(
            r#"{"kind": "practitioner", "hpr": "565501872", "orgnr": "983974899", "purpose": "TREAT"}"#,
        );
        assert!(matches!(p, Ok(DevTokenRequest::Practitioner { .. })));
        let s: Result<DevTokenRequest, _> = serde_json::from_str(
            r#"{"kind": "system", "client_id": "dips-unn", "orgnr": "983974899", "scope": "system/*.read system/*.write"}"#,
        );
        assert!(matches!(s, Ok(DevTokenRequest::System { .. })));
        let bad: Result<DevTokenRequest, _> =
            serde_json::from_str(r#"{"kind": "citizen", "pid": "1", "admin": true}"#);
        assert!(bad.is_err());
    }

    #[test]
    fn dev_token_passes_the_production_check() {
        let auth = super::super::Auth::new(&[], true).unwrap_or_else(|e| panic!("{e}"));
        let req = DevTokenRequest::Citizen {
            pid: "13097248022".into(),
            acr: None,
        };
        let claims = dev_claims(&req, now_secs()).unwrap_or_default();
        let token = sign_dev_token(&claims).unwrap_or_default();
        assert_eq!(
            auth.authenticate(&token),
            Ok(Principal::Citizen {
                pid: "13097248022".into(),
                level: SecurityLevel::High
            })
        );
        // Second time from the cache, same answer.
        assert!(auth.authenticate(&token).is_ok());
    }

    #[test]
    fn dev_issuer_unknown_without_dev_auth() {
        let auth = super::super::Auth::new(&[], false).unwrap_or_else(|e| panic!("{e}"));
        let req = DevTokenRequest::System {
            client_id: "x".into(),
            orgnr: "983974899".into(),
            scope: None,
        };
        let token =
            sign_dev_token(&dev_claims(&req, now_secs()).unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            auth.authenticate(&token),
            Err("token issuer is not accepted by this server".into())
        );
    }

    #[test]
    fn unknown_purpose_is_refused() {
        let req = DevTokenRequest::Practitioner {
            hpr: "1".into(),
            orgnr: "983974899".into(),
            purpose: Some("X".into()),
            reason: None,
        };
        assert!(dev_claims(&req, 0).is_err());
    }
}
