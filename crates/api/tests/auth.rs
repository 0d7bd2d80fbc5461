//! Token checking over real HTTP: every refusal of quality.md § Tokens, and the
//! mapping of good tokens to principals.
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nordlys_api::auth::dev::{dev_claims, sign_dev_token, DevTokenRequest, DEV_PUBLIC_KEY_PEM};
use nordlys_api::ApiConfig;
use nordlys_testkit::server::{outcome_code, split, TestServer, CITIZEN_PID};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn citizen_claims(at: u64) -> Value {
    let req = DevTokenRequest::Citizen {
        pid: CITIZEN_PID.into(),
        acr: Some("idporten-loa-high".into()),
    };
    dev_claims(&req, at).expect("claims")
}

fn b64url(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// A request that passes only with an accepted token: an unknown type gives 404 after auth.
async fn probe(s: &TestServer, token: &str) -> (StatusCode, Value, Option<String>) {
    let r = s
        .client
        .get(s.url("/fhir/NoSuchType/1"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    let www = r
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (status, body) = split(r).await;
    (status, body, www)
}

async fn assert_refused(s: &TestServer, token: &str, reason: &str) {
    let (status, body, www) = probe(s, token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{reason}: {body}");
    assert_eq!(outcome_code(&body), "login");
    let diag = body["issue"][0]["diagnostics"].as_str().unwrap_or_default();
    assert!(
        diag.contains(reason),
        "diagnostics '{diag}' should mention '{reason}'"
    );
    assert!(
        www.is_some_and(|w| w.starts_with("Bearer")),
        "WWW-Authenticate: Bearer expected"
    );
}

#[tokio::test]
async fn a_good_dev_token_passes_for_each_kind() {
    let s = TestServer::start().await;
    for token in [
        s.citizen_token(CITIZEN_PID).await,
        s.practitioner_token("565501872", "983974899", Some("TREAT"))
            .await,
        s.practitioner_token("565501872", "983974899", None).await,
        s.system_token("dips-unn", "983974899").await,
    ] {
        let (status, body, _) = probe(&s, &token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(outcome_code(&body), "not-supported");
    }
}

#[tokio::test]
async fn missing_and_garbage_tokens_are_refused() {
    let s = TestServer::start().await;
    let r = s
        .client
        .get(s.url("/fhir/Patient/p1"))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get("www-authenticate").is_some());
    let (_, body) = split(r).await;
    assert_eq!(outcome_code(&body), "login");
    assert_refused(&s, "abc", "malformed").await;
    let r = s
        .client
        .get(s.url("/fhir/Patient/p1"))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await;
    assert_eq!(r.expect("GET").status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_token() {
    let s = TestServer::start().await;
    let token = sign_dev_token(&citizen_claims(now() - 7200)).expect("sign");
    assert_refused(&s, &token, "expired").await;
}

#[tokio::test]
async fn token_not_yet_valid() {
    let s = TestServer::start().await;
    let mut claims = citizen_claims(now());
    claims["nbf"] = json!(now() + 600);
    assert_refused(&s, &sign_dev_token(&claims).expect("sign"), "not yet valid").await;
}

#[tokio::test]
async fn wrong_issuer() {
    let s = TestServer::start().await;
    let mut claims = citizen_claims(now());
    claims["iss"] = json!("https://evil.example");
    assert_refused(&s, &sign_dev_token(&claims).expect("sign"), "issuer").await;
}

#[tokio::test]
async fn wrong_audience() {
    let s = TestServer::start().await;
    let mut claims = citizen_claims(now());
    claims["aud"] = json!("some-other-api");
    assert_refused(&s, &sign_dev_token(&claims).expect("sign"), "audience").await;
}

#[tokio::test]
async fn bad_signature() {
    let s = TestServer::start().await;
    let token = sign_dev_token(&citizen_claims(now())).expect("sign");
    // Change the claims but keep the signature: the signature no longer matches.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims = citizen_claims(now());
    claims["pid"] = json!("01010112345");
    parts[1] = b64url(claims.to_string().as_bytes());
    assert_refused(&s, &parts.join("."), "signature").await;
}

#[tokio::test]
async fn alg_none_is_refused() {
    let s = TestServer::start().await;
    let header = b64url(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = b64url(citizen_claims(now()).to_string().as_bytes());
    for token in [format!("{header}.{claims}."), format!("{header}.{claims}")] {
        assert_refused(&s, &token, "algorithm").await;
    }
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let s = TestServer::start().await;
    let key = EncodingKey::from_secret(DEV_PUBLIC_KEY_PEM.as_bytes());
    let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &citizen_claims(now()), &key)
        .expect("sign");
    assert_refused(&s, &token, "algorithm").await;
}

#[tokio::test]
async fn citizen_below_level_high_gets_403() {
    let s = TestServer::start().await;
    let token = s
        .token(json!({"kind": "citizen", "pid": CITIZEN_PID, "acr": "idporten-loa-substantial"}))
        .await;
    let (status, body, _) = probe(&s, &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(outcome_code(&body), "forbidden");
    let diag = body["issue"][0]["diagnostics"].as_str().unwrap_or_default();
    assert!(diag.contains("security level high"), "{diag}");
}

#[tokio::test]
async fn metadata_is_public() {
    let s = TestServer::start().await;
    let r = s
        .client
        .get(s.url("/fhir/metadata"))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::OK);
    let (_, body) = split(r).await;
    assert_eq!(body["resourceType"], "CapabilityStatement");
}

#[tokio::test]
async fn dev_token_endpoint_is_absent_without_dev_auth() {
    let s = TestServer::start_with(ApiConfig::default()).await;
    let r = s
        .client
        .post(s.url("/dev/token"))
        .json(&json!({"kind": "citizen", "pid": CITIZEN_PID}))
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, body) = split(r).await;
    assert_eq!(outcome_code(&body), "not-found");
}

#[tokio::test]
async fn dev_token_rejects_bodies_outside_the_contract() {
    let s = TestServer::start().await;
    for body in [
        json!({"kind": "admin"}),
        json!({"kind": "citizen", "pid": "123"}),
        json!({"kind": "citizen", "pid": CITIZEN_PID, "root": true}),
        json!({"kind": "practitioner", "hpr": "565501872", "orgnr": "983974899", "purpose": "FUN"}),
        json!({"kind": "system", "client_id": "x", "orgnr": "12"}),
    ] {
        let r = s
            .client
            .post(s.url("/dev/token"))
            .json(&body)
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        let (_, oo) = split(r).await;
        assert_eq!(outcome_code(&oo), "invalid");
    }
    let r = s
        .client
        .post(s.url("/dev/token"))
        .json(&json!({"kind": "citizen", "pid": CITIZEN_PID}))
        .send()
        .await;
    let (status, v) = split(r.expect("POST")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(
        v["access_token"].as_str().map(|t| t.split('.').count()),
        Some(3)
    );
}
