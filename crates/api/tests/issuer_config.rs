//! A configured (production-style) issuer: JWKS from a file, issuer and audience
//! from the config file, the same checks as for dev tokens.
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nordlys_api::auth::dev::DEV_PRIVATE_KEY_PEM;
use nordlys_api::Auth;
use nordlys_policy::{Principal, Purpose};
use serde_json::json;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[test]
fn tokens_of_a_configured_issuer_pass_and_others_fail() {
    let dir = std::env::temp_dir().join(format!("nordlys-issuer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let key = EncodingKey::from_rsa_pem(DEV_PRIVATE_KEY_PEM.as_bytes()).expect("key");
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
    jwk.common.key_id = Some("helseid-test-1".into());
    std::fs::write(
        dir.join("helseid-jwks.json"),
        serde_json::to_string(&JwkSet { keys: vec![jwk] }).expect("json"),
    )
    .expect("write jwks");
    let config = json!({"issuers": [{
        "issuer": "https://helseid-sts.test.nhn.no", "audience": ["nordlys"],
        "jwks": "helseid-jwks.json", "algorithms": ["RS256"]
    }]});
    std::fs::write(dir.join("issuers.json"), config.to_string()).expect("write config");
    let auth = Auth::from_file(&dir.join("issuers.json"), false).expect("auth from file");
    assert_eq!(auth.issuer_count(), 1);

    let claims = json!({
        "iss": "https://helseid-sts.test.nhn.no", "aud": "nordlys", "exp": now() + 300, "nbf": now(),
        "helseid://claims/hpr/hpr_number": "565501872",
        "helseid://claims/client/claims/orgnr_parent": "983974899",
        "authorization_details": [{"type": "nhn:tillitsrammeverk:parameters",
            "care_relationship": {"purpose_of_use": {"code": "COC"}}}]
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("helseid-test-1".into());
    let token = jsonwebtoken::encode(&header, &claims, &key).expect("sign");
    assert_eq!(
        auth.authenticate(&token),
        Ok(Principal::Practitioner {
            hpr: "565501872".into(),
            orgnr: "983974899".into(),
            purpose: Some(Purpose::CareCoordination)
        })
    );
    // Unknown key id: refused even though the signature would verify with another key.
    header.kid = Some("rotated-away".into());
    let token = jsonwebtoken::encode(&header, &claims, &key).expect("sign");
    assert_eq!(
        auth.authenticate(&token),
        Err("token key id (kid) is not among the issuer's keys".to_owned())
    );
    // Dev issuer is not registered without dev auth.
    let mut dev = claims.clone();
    dev["iss"] = json!(nordlys_api::auth::dev::DEV_ISSUER);
    let token = nordlys_api::auth::dev::sign_dev_token(&dev).expect("sign");
    assert_eq!(
        auth.authenticate(&token),
        Err("token issuer is not accepted by this server".to_owned())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unusable_configs_are_reported() {
    let dir = std::env::temp_dir().join(format!("nordlys-issuer-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let cfg = dir.join("issuers.json");
    std::fs::write(
        &cfg,
        r#"{"issuers": [{"issuer": "x", "audience": "a", "jwks": "missing.json"}]}"#,
    )
    .expect("write");
    let err = Auth::from_file(&cfg, false)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("missing.json"), "{err}");
    std::fs::write(dir.join("k.json"), r#"{"keys": []}"#).expect("write");
    std::fs::write(&cfg, r#"{"issuers": [{"issuer": "x", "audience": "a", "jwks": "k.json", "algorithms": ["HS256"]}]}"#)
        .expect("write");
    let err = Auth::from_file(&cfg, false)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("issuer x"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
