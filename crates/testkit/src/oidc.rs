//! A local OpenID Connect issuer for tests: an ID-porten and HelseID stand-in with
//! `/authorize` (approves at once as the person set with [`TestIssuer::log_in_as`]),
//! `/token` (checks the PKCE verifier, single-use codes, client and redirect URI) and
//! RS256-signed tokens whose keys the server under test gets as a JWKS file.
//!
//! Why a real HTTP issuer and not a mocked function: the portal's login must be
//! tested as it runs — redirects through the browser, a back-channel POST, tokens
//! checked by the same checker as API tokens.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nordlys_api::auth::dev::DEV_PRIVATE_KEY_PEM;
use nordlys_api::IssuerConfig;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// The client id the portal is registered with at the test issuer.
pub const CLIENT_ID: &str = "nordlys-portal";
/// The client id the clinician workspace is registered with (HelseID stand-in).
pub const WORKSPACE_CLIENT_ID: &str = "nordlys-workspace";
/// HelseID: the person's national id (not `pid`, which would make a citizen).
pub const HELSEID_PID_CLAIM: &str = "helseid://claims/identity/pid";
/// HelseID: the authentication's security level ("4" = high).
pub const HELSEID_LEVEL_CLAIM: &str = "helseid://claims/identity/security_level";
/// HelseID: the organisation number of the unit (underenhet) the client acts for.
pub const ORGNR_CHILD_CLAIM: &str = "helseid://claims/client/claims/orgnr_child";
/// The audience of the test issuer's access tokens (the API).
pub const API_AUDIENCE: &str = "nordlys-api";
const KID: &str = "test-idporten-1";

/// A HelseID practitioner login: what the issuer puts in the tokens.
#[derive(Debug, Clone)]
pub struct PractitionerLogin {
    /// `None`: health personnel without an HPR number (the workspace must refuse).
    pub hpr: Option<String>,
    pub pid: String,
    pub name: String,
    pub orgnr_parent: String,
    pub orgnr_child: Option<String>,
    /// "4" for high; "3" substantial.
    pub security_level: String,
}

/// Something wrong with the next ID token, for the refusal tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tamper {
    #[default]
    Nothing,
    /// `aud` another client's.
    WrongAudience,
    /// `nonce` not the one the client sent.
    WrongNonce,
    /// `exp` an hour ago.
    Expired,
}

#[derive(Debug, Clone)]
enum Subject {
    Citizen { pid: String, acr: String },
    Practitioner(PractitionerLogin),
}

struct Issued {
    challenge: String,
    nonce: String,
    client_id: String,
    redirect_uri: String,
    subject: Subject,
}

struct Inner {
    issuer: String,
    key: EncodingKey,
    next: Mutex<Option<Subject>>,
    tamper: Mutex<Tamper>,
    codes: Mutex<HashMap<String, Issued>>,
    /// Every `/authorize` query seen (for checks on what the portal sent).
    pub authorize_requests: Mutex<Vec<HashMap<String, String>>>,
}

/// A running test issuer; stops when dropped.
pub struct TestIssuer {
    /// `http://127.0.0.1:PORT`, also the `iss` of its tokens.
    pub issuer: String,
    pub jwks_path: PathBuf,
    inner: Arc<Inner>,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for TestIssuer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = std::fs::remove_file(&self.jwks_path);
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl TestIssuer {
    pub async fn start() -> TestIssuer {
        let key = EncodingKey::from_rsa_pem(DEV_PRIVATE_KEY_PEM.as_bytes()).expect("test key");
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
        jwk.common.key_id = Some(KID.into());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind issuer");
        let addr = listener.local_addr().expect("issuer addr");
        let issuer = format!("http://{addr}");
        let jwks_path = std::env::temp_dir().join(format!(
            "nordlys-test-issuer-{}-{}.json",
            std::process::id(),
            addr.port()
        ));
        std::fs::write(
            &jwks_path,
            serde_json::to_string(&JwkSet { keys: vec![jwk] }).expect("jwks json"),
        )
        .expect("write jwks");
        let inner = Arc::new(Inner {
            issuer: issuer.clone(),
            key,
            next: Mutex::new(None),
            tamper: Mutex::new(Tamper::Nothing),
            codes: Mutex::new(HashMap::new()),
            authorize_requests: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(inner.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        TestIssuer {
            issuer,
            jwks_path,
            inner,
            stop: Some(stop),
        }
    }

    /// The next login is approved as this citizen at this `acr`.
    pub fn log_in_as(&self, pid: &str, acr: &str) {
        if let Ok(mut n) = self.inner.next.lock() {
            *n = Some(Subject::Citizen {
                pid: pid.to_owned(),
                acr: acr.to_owned(),
            });
        }
    }

    /// The next login is approved as this practitioner (HelseID claims).
    pub fn log_in_practitioner(&self, login: PractitionerLogin) {
        if let Ok(mut n) = self.inner.next.lock() {
            *n = Some(Subject::Practitioner(login));
        }
    }

    /// The ID tokens issued from now on are spoilt this way (until set back).
    pub fn tamper(&self, how: Tamper) {
        if let Ok(mut t) = self.inner.tamper.lock() {
            *t = how;
        }
    }

    /// The `/authorize` queries seen so far.
    pub fn authorize_requests(&self) -> Vec<HashMap<String, String>> {
        self.inner
            .authorize_requests
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default()
    }

    /// How the server under test trusts this issuer's tokens.
    pub fn issuer_config(&self) -> IssuerConfig {
        IssuerConfig {
            issuer: self.issuer.clone(),
            audience: vec![
                CLIENT_ID.into(),
                WORKSPACE_CLIENT_ID.into(),
                API_AUDIENCE.into(),
            ],
            jwks: self.jwks_path.clone(),
            algorithms: vec!["RS256".into()],
        }
    }

    /// The portal's OpenID Connect settings for this issuer.
    pub fn portal_config(&self) -> nordlys_portal::oidc::OidcConfig {
        nordlys_portal::oidc::OidcConfig {
            issuer: self.issuer.clone(),
            authorization_endpoint: format!("{}/authorize", self.issuer),
            token_endpoint: format!("{}/token", self.issuer),
            client_id: CLIENT_ID.into(),
            client_secret: None,
            redirect_uri: None,
            scope: "openid profile".into(),
            acr_values: "idporten-loa-high".into(),
        }
    }

    /// The workspace's HelseID settings for this issuer (HelseID states the level
    /// in a claim, so no `acr_values`).
    pub fn workspace_config(&self) -> nordlys_portal::oidc::OidcConfig {
        nordlys_portal::oidc::OidcConfig {
            issuer: self.issuer.clone(),
            authorization_endpoint: format!("{}/authorize", self.issuer),
            token_endpoint: format!("{}/token", self.issuer),
            client_id: WORKSPACE_CLIENT_ID.into(),
            client_secret: None,
            redirect_uri: None,
            scope: "openid profile helseid://scopes/identity/pid helseid://scopes/identity/security_level helseid://scopes/hpr/hpr_number".into(),
            acr_values: String::new(),
        }
    }
}

async fn authorize(
    State(inner): State<Arc<Inner>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Ok(mut seen) = inner.authorize_requests.lock() {
        seen.push(q.clone());
    }
    let field = |k: &str| q.get(k).cloned().unwrap_or_default();
    if field("response_type") != "code" || field("code_challenge_method") != "S256" {
        return (StatusCode::BAD_REQUEST, "code flow with S256 PKCE only").into_response();
    }
    let Some(subject) = inner.next.lock().ok().and_then(|n| n.clone()) else {
        return (StatusCode::FORBIDDEN, "nobody to log in").into_response();
    };
    let code = uuid::Uuid::new_v4().simple().to_string();
    let redirect_uri = field("redirect_uri");
    if let Ok(mut codes) = inner.codes.lock() {
        codes.insert(
            code.clone(),
            Issued {
                challenge: field("code_challenge"),
                nonce: field("nonce"),
                client_id: field("client_id"),
                redirect_uri: redirect_uri.clone(),
                subject,
            },
        );
    }
    let back = form_urlencoded::Serializer::new(String::new())
        .append_pair("code", &code)
        .append_pair("state", &field("state"))
        .finish();
    Redirect::to(&format!("{redirect_uri}?{back}")).into_response()
}

async fn token(
    State(inner): State<Arc<Inner>>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| f.get(k).cloned().unwrap_or_default();
    let issued = inner
        .codes
        .lock()
        .ok()
        .and_then(|mut c| c.remove(&field("code")));
    let Some(issued) = issued else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let verifier_ok = nordlys_portal::oidc::challenge(&field("code_verifier")) == issued.challenge;
    if field("grant_type") != "authorization_code"
        || field("client_id") != issued.client_id
        || field("redirect_uri") != issued.redirect_uri
        || !verifier_ok
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    let t = now();
    let tamper = inner.tamper.lock().map(|t| *t).unwrap_or_default();
    let (iat, exp) = if tamper == Tamper::Expired {
        (t - 7200, t - 3600)
    } else {
        (t, t + 600)
    };
    let base = match &issued.subject {
        Subject::Citizen { pid, acr } => json!({"iss": inner.issuer, "sub": pid, "pid": pid,
                      "acr": acr, "iat": iat, "nbf": iat, "exp": exp}),
        Subject::Practitioner(p) => {
            let mut c = json!({"iss": inner.issuer, "sub": format!("helseid-{}", p.pid),
                "name": p.name, HELSEID_PID_CLAIM: p.pid,
                HELSEID_LEVEL_CLAIM: p.security_level,
                nordlys_api::auth::claims::ORGNR_CLAIM: p.orgnr_parent,
                "iat": iat, "nbf": iat, "exp": exp});
            if let Some(hpr) = &p.hpr {
                c[nordlys_api::auth::claims::HPR_CLAIM] = json!(hpr);
            }
            if let Some(child) = &p.orgnr_child {
                c[ORGNR_CHILD_CLAIM] = json!(child);
            }
            c
        }
    };
    let mut id = base.clone();
    id["aud"] = json!(match tamper {
        Tamper::WrongAudience => "someone-else",
        _ => issued.client_id.as_str(),
    });
    id["nonce"] = json!(match tamper {
        Tamper::WrongNonce => "not-the-nonce",
        _ => issued.nonce.as_str(),
    });
    let mut access = base;
    access["aud"] = json!(API_AUDIENCE);
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KID.into());
    let sign = |c: &Value| jsonwebtoken::encode(&header, c, &inner.key).unwrap_or_default();
    Json(json!({"id_token": sign(&id), "access_token": sign(&access),
                "token_type": "Bearer", "expires_in": 600}))
    .into_response()
}
