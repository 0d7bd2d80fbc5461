//! One trusted token issuer: its name, audience, keys and algorithms.
//!
//! Why keys come from a JWKS file and not from fetching the issuer's URL: the server
//! must start and check tokens without network access at request time; operations
//! refresh the file (a sidecar or cron fetching `jwks_uri`) and restart or reload.
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, Header, Validation};
use serde::Deserialize;
use serde_json::Value;

use super::AuthConfigError;

/// Algorithms an issuer may be configured for: asymmetric only, so a public key can
/// never be abused as an HMAC secret.
const ALLOWED: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// Leeway for `exp`/`nbf` (clock skew between issuer and us), seconds.
const LEEWAY_SECS: u64 = 30;

/// An issuer as configured.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// The exact `iss` value (e.g. `https://idporten.no`).
    pub issuer: String,
    /// Accepted `aud` values (one string or a list in the file).
    #[serde(deserialize_with = "one_or_many")]
    pub audience: Vec<String>,
    /// Path of a JWKS JSON file with the issuer's public keys.
    pub jwks: PathBuf,
    /// Accepted algorithms (`RS256`, `ES256`, …); default `["RS256"]`.
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
}

/// The file given with `--issuer-config`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuersFile {
    pub issuers: Vec<IssuerConfig>,
}

fn default_algorithms() -> Vec<String> {
    vec!["RS256".to_owned()]
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// Reads the issuers file; relative JWKS paths are taken relative to the file.
pub fn read_issuers_file(path: &Path) -> Result<Vec<IssuerConfig>, AuthConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| AuthConfigError::Read {
        path: shown.clone(),
        source,
    })?;
    let file: IssuersFile = serde_json::from_str(&text).map_err(|e| AuthConfigError::Parse {
        path: shown,
        reason: e.to_string(),
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    Ok(file
        .issuers
        .into_iter()
        .map(|mut i| {
            if i.jwks.is_relative() {
                i.jwks = dir.join(&i.jwks);
            }
            i
        })
        .collect())
}

/// A ready-to-use issuer.
pub(crate) struct Issuer {
    pub issuer: String,
    /// `(kid, key)`; the family of each key is known from the key itself.
    keys: Vec<(Option<String>, DecodingKey)>,
    validation: Validation,
}

impl Issuer {
    pub fn from_config(config: &IssuerConfig) -> Result<Issuer, AuthConfigError> {
        let err = |reason: String| AuthConfigError::Issuer {
            issuer: config.issuer.clone(),
            reason,
        };
        let shown = config.jwks.display().to_string();
        let text =
            std::fs::read_to_string(&config.jwks).map_err(|source| AuthConfigError::Read {
                path: shown.clone(),
                source,
            })?;
        let set: JwkSet = serde_json::from_str(&text).map_err(|e| AuthConfigError::Parse {
            path: shown,
            reason: e.to_string(),
        })?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            let key = DecodingKey::from_jwk(jwk)
                .map_err(|e| err(format!("unusable key in JWKS: {e}")))?;
            keys.push((jwk.common.key_id.clone(), key));
        }
        let algorithms = parse_algorithms(&config.algorithms).map_err(err)?;
        Issuer::new(&config.issuer, &config.audience, keys, algorithms).map_err(err)
    }

    pub fn new(
        issuer: &str,
        audience: &[String],
        keys: Vec<(Option<String>, DecodingKey)>,
        algorithms: Vec<Algorithm>,
    ) -> Result<Issuer, String> {
        if keys.is_empty() {
            return Err("no keys".into());
        }
        if audience.is_empty() {
            return Err("no audience".into());
        }
        if algorithms.is_empty() {
            return Err("no algorithms".into());
        }
        let mut validation = Validation::new(algorithms[0]);
        validation.algorithms = algorithms;
        validation.set_issuer(&[issuer]);
        validation.set_audience(audience);
        validation.required_spec_claims = ["exp", "iss", "aud"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<HashSet<_>>();
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Ok(Issuer {
            issuer: issuer.to_owned(),
            keys,
            validation,
        })
    }

    /// Verifies signature and registered claims; returns all claims.
    /// Verifies signature and registered claims; returns all claims, or a client-facing reason.
    pub fn verify(&self, token: &str, header: &Header) -> Result<Value, String> {
        if !self.validation.algorithms.contains(&header.alg) {
            return Err(super::describe(&ErrorKind::InvalidAlgorithm));
        }
        let family = header.alg.family();
        let candidates: Vec<&DecodingKey> = self
            .keys
            .iter()
            .filter(|(kid, key)| {
                key.family() == family
                    && match (&header.kid, kid) {
                        (Some(want), Some(have)) => want == have,
                        _ => true,
                    }
            })
            .map(|(_, key)| key)
            .collect();
        if candidates.is_empty() {
            return Err("token key id (kid) is not among the issuer's keys".to_owned());
        }
        let mut last = ErrorKind::InvalidSignature;
        for key in candidates {
            match jsonwebtoken::decode::<Value>(token, key, &self.validation) {
                Ok(data) => return Ok(data.claims),
                Err(e) if matches!(e.kind(), ErrorKind::InvalidSignature) => last = e.into_kind(),
                Err(e) => return Err(super::describe(e.kind())),
            }
        }
        Err(super::describe(&last))
    }
}

fn parse_algorithms(names: &[String]) -> Result<Vec<Algorithm>, String> {
    names
        .iter()
        .map(|n| {
            let alg: Algorithm = n.parse().map_err(|_| format!("unknown algorithm {n}"))?;
            if !ALLOWED.contains(&alg) || alg.family() == AlgorithmFamily::Hmac {
                return Err(format!(
                    "algorithm {n} is not allowed (asymmetric RS*/PS*/ES* only)"
                ));
            }
            Ok(alg)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_and_none_cannot_be_configured() {
        assert!(parse_algorithms(&["HS256".into()]).is_err());
        assert!(parse_algorithms(&["none".into()]).is_err());
        assert_eq!(
            parse_algorithms(&["RS256".into(), "ES256".into()]),
            Ok(vec![Algorithm::RS256, Algorithm::ES256])
        );
    }

    #[test]
    fn issuers_file_reads_one_or_many_audiences() {
        let f: IssuersFile = serde_json::from_str(
            r#"{"issuers": [
                {"issuer": "https://idporten.no", "audience": "nordlys", "jwks": "idporten.json"},
                {"issuer": "https://helseid-sts.nhn.no", "audience": ["a", "b"], "jwks": "/etc/h.json", "algorithms": ["RS256", "ES256"]}
            ]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.issuers.len(), 2);
        assert_eq!(f.issuers[0].audience, vec!["nordlys".to_owned()]);
        assert_eq!(f.issuers[0].algorithms, vec!["RS256".to_owned()]);
        assert_eq!(f.issuers[1].audience.len(), 2);
    }
}
