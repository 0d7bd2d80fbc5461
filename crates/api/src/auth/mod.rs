//! Who is calling: bearer JWTs checked against configured issuers.
//!
//! Why it is built this way:
//! - Only asymmetric algorithms that an issuer is configured for are accepted, so
//!   `alg: none` and the HS256-signed-with-the-public-key confusion fail before any
//!   key is touched.
//! - The issuer is looked up from the (unverified) `iss` claim only to choose the keys;
//!   the signature, `iss`, `aud`, `exp` and `nbf` are then all checked by jsonwebtoken.
//! - The development issuer (`--dev-auth`) is registered like any other issuer, so
//!   dev tokens run through exactly this code.
mod cache;
pub mod claims;
pub mod dev;
mod extract;
mod issuer;
mod ratelimit;

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use nordlys_policy::Principal;
use serde_json::Value;

pub use cache::TokenCache;
pub use extract::Caller;
pub use issuer::{IssuerConfig, IssuersFile};
pub use ratelimit::RateLimiter;

use issuer::Issuer;

/// Size of the checked-token cache.
const CACHE_CAPACITY: usize = 50_000;

/// A configuration that cannot be used (unreadable JWKS, unsupported algorithm…).
#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {reason}")]
    Parse { path: String, reason: String },
    #[error("issuer {issuer}: {reason}")]
    Issuer { issuer: String, reason: String },
}

/// The token checker shared by all requests.
pub struct Auth {
    issuers: Vec<Issuer>,
    cache: TokenCache,
    dev_enabled: bool,
}

impl Auth {
    /// Checks tokens of the given issuers; with `dev_auth` also the built-in dev issuer.
    pub fn new(issuers: &[IssuerConfig], dev_auth: bool) -> Result<Auth, AuthConfigError> {
        let mut list = issuers
            .iter()
            .map(Issuer::from_config)
            .collect::<Result<Vec<_>, _>>()?;
        if dev_auth {
            list.push(dev::dev_issuer()?);
        }
        Ok(Auth {
            issuers: list,
            cache: TokenCache::new(CACHE_CAPACITY),
            dev_enabled: dev_auth,
        })
    }

    /// Reads an issuer configuration file (`{"issuers": [...]}`, JWKS paths relative to it).
    pub fn from_file(path: &Path, dev_auth: bool) -> Result<Auth, AuthConfigError> {
        let issuers = issuer::read_issuers_file(path)?;
        Auth::new(&issuers, dev_auth)
    }

    /// Whether `POST /dev/token` is served.
    pub fn dev_enabled(&self) -> bool {
        self.dev_enabled
    }

    /// Number of issuers whose tokens are accepted.
    pub fn issuer_count(&self) -> usize {
        self.issuers.len()
    }

    /// Checks a bearer token and returns its principal; the error is a client-facing reason.
    pub fn authenticate(&self, token: &str) -> Result<Principal, String> {
        let now = now_secs();
        if let Some(p) = self.cache.get(token, now) {
            return Ok(p);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| {
            "token is malformed or uses a signing algorithm this server does not accept".to_owned()
        })?;
        let unverified: Value = jsonwebtoken::dangerous::insecure_decode_claims(token)
            .map_err(|_| "malformed token claims".to_owned())?;
        let iss = unverified
            .get("iss")
            .and_then(Value::as_str)
            .ok_or("token has no issuer")?;
        let issuer = self
            .issuers
            .iter()
            .find(|i| i.issuer == iss)
            .ok_or("token issuer is not accepted by this server")?;
        let claims = issuer.verify(token, &header)?;
        let principal = claims::principal_from_claims(&claims)?;
        if let Some(exp) = claims.get("exp").and_then(Value::as_u64) {
            self.cache.insert(token, principal.clone(), exp, now);
        }
        Ok(principal)
    }
}

impl Auth {
    /// As [`Auth::authenticate`], plus the practitioner's stated reason for the
    /// purpose of use (see [`claims::purpose_reason`]), read from the token only
    /// after it was checked.
    pub fn authenticate_with_reason(
        &self,
        token: &str,
    ) -> Result<(Principal, Option<String>), String> {
        let principal = self.authenticate(token)?;
        let reason = match &principal {
            Principal::Practitioner { .. } => {
                jsonwebtoken::dangerous::insecure_decode_claims::<Value>(token)
                    .ok()
                    .and_then(|c| claims::purpose_reason(&c))
            }
            _ => None,
        };
        Ok((principal, reason))
    }
}

/// Client-facing reasons for token failures (never key material).
pub(super) fn describe(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::ExpiredSignature => "token has expired",
        ErrorKind::ImmatureSignature => "token is not yet valid",
        ErrorKind::InvalidAudience => "token audience is not accepted by this server",
        ErrorKind::InvalidIssuer => "token issuer is not accepted by this server",
        ErrorKind::InvalidSignature => "token signature is not valid",
        ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::MissingAlgorithm => "token signing algorithm is not accepted",
        ErrorKind::MissingRequiredClaim(_) => "token lacks a required claim (exp, iss, aud)",
        ErrorKind::InvalidClaimFormat(_) => "token claim has a wrong format",
        _ => "token is not valid",
    }
    .to_owned()
}

/// Seconds since the Unix epoch (token times).
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
