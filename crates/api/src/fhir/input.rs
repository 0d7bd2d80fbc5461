//! Reading a FHIR request: body, path, query, `Prefer`, format negotiation.
//!
//! Why our own extractors: axum's built-in ones answer rejections with plain text;
//! wrapping them turns every rejection into an [`ApiError`] and so into an
//! OperationOutcome via the one error function.
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::{ACCEPT, CONTENT_TYPE, HOST};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use nordlys_fhir::definitions;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// A request body, read within the configured limit, in a format we accept.
pub struct RawBody {
    pub bytes: Bytes,
    /// True for `application/x-www-form-urlencoded` (the `_search` form post).
    pub is_form: bool,
}

impl FromRequest<AppState> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_form = match req.headers().get(CONTENT_TYPE) {
            None => false,
            Some(v) => {
                let mime = v
                    .to_str()
                    .unwrap_or("")
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                match mime.as_str() {
                    "application/fhir+json" | "application/json" | "application/json+fhir" | "" => {
                        false
                    }
                    "application/x-www-form-urlencoded" => true,
                    m if m.contains("xml") => {
                        return Err(ApiError::UnsupportedMediaType(
                            "XML is not supported; send application/fhir+json".into(),
                        ))
                    }
                    _ => {
                        return Err(ApiError::UnsupportedMediaType(
                            "unsupported Content-Type; send application/fhir+json".into(),
                        ))
                    }
                }
            }
        };
        let limit = state.config.max_body;
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::BodyTooLarge { limit }
            } else {
                ApiError::BadRequest("the request body could not be read".into())
            }
        })?;
        Ok(RawBody { bytes, is_form })
    }
}

impl RawBody {
    /// The body as a FHIR resource: a JSON object with a `resourceType`.
    pub fn resource(&self) -> ApiResult<Value> {
        if self.is_form {
            return Err(ApiError::UnsupportedMediaType(
                "a resource must be sent as application/fhir+json".into(),
            ));
        }
        parse_resource(&self.bytes)
    }
}

/// Parses JSON text into a resource; syntax errors and non-resources are 400.
pub fn parse_resource(bytes: &[u8]) -> ApiResult<Value> {
    if bytes.is_empty() {
        return Err(ApiError::BadRequest(
            "the request body is empty; a FHIR resource was expected".into(),
        ));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        // serde_json's message names only line/column and the kind of error, no input.
        ApiError::BadRequest(format!("the body is not valid JSON: {e}"))
    })?;
    match value.get("resourceType") {
        Some(Value::String(_)) if value.is_object() => Ok(value),
        _ => Err(ApiError::BadRequest(
            "the body is not a FHIR resource (no resourceType)".into(),
        )),
    }
}

/// Path parameters, with rejections mapped to 400.
pub struct FhirPath<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for FhirPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| FhirPath(t))
            .map_err(|_| ApiError::BadRequest("the address could not be read".into()))
    }
}

/// `Prefer: return=…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnPref {
    Minimal,
    #[default]
    Representation,
    OperationOutcome,
}

/// Everything a FHIR handler reads besides path and body.
#[derive(Debug, Clone)]
pub struct FhirRequest {
    /// Query parameters in order, minus `_format`/`_pretty` (handled here).
    pub params: Vec<(String, String)>,
    pub pretty: bool,
    pub return_pref: ReturnPref,
    /// `Prefer: handling=lenient`.
    pub lenient: bool,
    /// Absolute base of the FHIR API, e.g. `http://127.0.0.1:8080/fhir`.
    pub base: String,
    pub headers: HeaderMap,
}

impl FromRequestParts<AppState> for FhirRequest {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let all = query_pairs(parts.uri.query().unwrap_or(""));
        let mut params = Vec::with_capacity(all.len());
        let mut pretty = false;
        for (k, v) in all {
            match k.as_str() {
                "_format" => check_format_param(&v)?,
                "_pretty" => pretty = v == "true",
                _ => params.push((k, v)),
            }
        }
        check_accept(&parts.headers)?;
        let (return_pref, lenient) = prefer(&parts.headers);
        let base = base_url(&parts.headers, state.config.public_base.as_deref());
        Ok(FhirRequest {
            params,
            pretty,
            return_pref,
            lenient,
            base,
            headers: parts.headers.clone(),
        })
    }
}

impl FhirRequest {
    /// A header as text, if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Decodes `a=1&b=2` (also a form body) into pairs, keeping order and repeats.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn check_format_param(v: &str) -> ApiResult<()> {
    let v = v
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match v.as_str() {
        "json" | "application/json" | "application/fhir+json" | "application/json+fhir" => Ok(()),
        x if x.contains("xml") => Err(ApiError::NotAcceptable(
            "XML is not supported; use _format=json".into(),
        )),
        _ => Err(ApiError::NotAcceptable(
            "unsupported _format; use _format=json".into(),
        )),
    }
}

/// 406 only when the client accepts XML and nothing we can send.
fn check_accept(headers: &HeaderMap) -> ApiResult<()> {
    let Some(accept) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let ok = accept.split(',').any(|part| {
        let mime = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        mime.is_empty() || mime.contains("json") || mime == "*/*" || mime == "application/*"
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::NotAcceptable(
            "this server answers only application/fhir+json".into(),
        ))
    }
}

fn prefer(headers: &HeaderMap) -> (ReturnPref, bool) {
    let mut ret = ReturnPref::default();
    let mut lenient = false;
    for value in headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        for token in value.split([',', ';']).map(str::trim) {
            match token.replace(' ', "").as_str() {
                "return=minimal" => ret = ReturnPref::Minimal,
                "return=representation" => ret = ReturnPref::Representation,
                "return=OperationOutcome" => ret = ReturnPref::OperationOutcome,
                "handling=lenient" => lenient = true,
                "handling=strict" => lenient = false,
                _ => {}
            }
        }
    }
    (ret, lenient)
}

/// `http://{Host}/fhir`, or the configured public base. A Host with odd characters
/// falls back to `localhost` rather than being echoed into links.
pub fn base_url(headers: &HeaderMap, public_base: Option<&str>) -> String {
    if let Some(base) = public_base {
        return format!("{}/fhir", base.trim_end_matches('/'));
    }
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}/fhir")
}

/// 404 OperationOutcome for a type FHIR R4 does not define.
pub fn check_type(resource_type: &str) -> ApiResult<()> {
    if definitions().is_resource_type(resource_type) && is_type_name(resource_type) {
        Ok(())
    } else {
        Err(ApiError::UnknownType(resource_type.to_owned()))
    }
}

fn is_type_name(s: &str) -> bool {
    s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// FHIR `id`: `[A-Za-z0-9\-\.]{1,64}`.
pub fn check_id(id: &str) -> ApiResult<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "not a valid FHIR id ([A-Za-z0-9-.], at most 64 characters)".into(),
        ))
    }
}

/// The body must be of the type in the URL.
pub fn check_body_type(resource: &Value, resource_type: &str) -> ApiResult<()> {
    let body_type = resource
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or("");
    if body_type == resource_type {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "resourceType in the body does not match the address (expected {resource_type})"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn ids_and_types() {
        assert!(check_id("abc-1.2").is_ok());
        assert!(check_id("").is_err());
        assert!(check_id("a/b").is_err());
        assert!(check_id(&"a".repeat(65)).is_err());
        assert!(is_type_name("Patient"));
        assert!(!is_type_name("patient"));
        assert!(!is_type_name("Pat;ient"));
    }

    #[test]
    fn json_body_checks() {
        assert!(matches!(parse_resource(b"{"), Err(ApiError::BadRequest(_))));
        assert!(matches!(
            parse_resource(b"[1]"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse_resource(b"{\"resourceType\": 1}"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(parse_resource(b"{\"resourceType\": \"Patient\"}").is_ok());
    }

    #[test]
    fn prefer_header() {
        let mut h = HeaderMap::new();
        h.insert(
            "prefer",
            HeaderValue::from_static("return=minimal; handling=lenient"),
        );
        assert_eq!(prefer(&h), (ReturnPref::Minimal, true));
        h.insert(
            "prefer",
            HeaderValue::from_static("return=OperationOutcome"),
        );
        assert_eq!(prefer(&h), (ReturnPref::OperationOutcome, false));
    }

    #[test]
    fn formats() {
        assert!(check_format_param("json").is_ok());
        assert!(check_format_param("application/fhir+json;fhirVersion=4.0").is_ok());
        assert!(matches!(
            check_format_param("xml"),
            Err(ApiError::NotAcceptable(_))
        ));
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_static("application/fhir+xml"));
        assert!(check_accept(&h).is_err());
        h.insert(
            ACCEPT,
            HeaderValue::from_static("application/fhir+xml, */*;q=0.1"),
        );
        assert!(check_accept(&h).is_ok());
    }

    #[test]
    fn base_from_host() {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert_eq!(base_url(&h, None), "http://127.0.0.1:8080/fhir");
        h.insert(HOST, HeaderValue::from_static("evil\"host"));
        assert_eq!(base_url(&h, None), "http://localhost/fhir");
        assert_eq!(
            base_url(&h, Some("https://fhir.example.no/")),
            "https://fhir.example.no/fhir"
        );
    }
}
