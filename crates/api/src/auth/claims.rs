//! Checked token claims → [`Principal`].
//!
//! Why here and nowhere else: ID-porten, HelseID and client-credential tokens name
//! the same facts differently; after this function the rest of the server only knows
//! a [`Principal`]. The claim names are the ones of the contract (and of the real
//! issuers), so dev tokens and production tokens go through the same mapping.
use nordlys_policy::{Principal, Purpose, SecurityLevel};
use serde_json::Value;

/// HelseID: the practitioner's HPR number.
pub const HPR_CLAIM: &str = "helseid://claims/hpr/hpr_number";
/// HelseID: the organisation number of the legal entity (parent organisation).
pub const ORGNR_CLAIM: &str = "helseid://claims/client/claims/orgnr_parent";
/// Trust framework (tillitsrammeverk) entry type in `authorization_details`.
pub const TRUST_FRAMEWORK_TYPE: &str = "nhn:tillitsrammeverk:parameters";
/// Longest reason text kept (characters); a reason is a sentence, not a note.
pub const MAX_REASON_CHARS: usize = 500;

/// Maps claims of a token whose signature, issuer, audience and times were checked.
/// The error is a client-facing reason (no secrets involved).
pub fn principal_from_claims(claims: &Value) -> Result<Principal, String> {
    if let Some(pid) = text(claims.get("pid")) {
        if !is_digits(&pid, 11) {
            return Err("token claim 'pid' is not an 11-digit national identity number".into());
        }
        if nordlys_fhir::ids::parse_national_id(&pid).is_err() {
            return Err("token claim 'pid' is not a valid national identity number".into());
        }
        let level = text(claims.get("acr"))
            .map(|a| SecurityLevel::from_acr(&a))
            .unwrap_or(SecurityLevel::Low);
        return Ok(Principal::Citizen { pid, level });
    }
    if let Some(hpr) = text(claims.get(HPR_CLAIM)) {
        if hpr.is_empty() || hpr.len() > 10 || !hpr.bytes().all(|b| b.is_ascii_digit()) {
            return Err("token claim for the HPR number is not a number".into());
        }
        let orgnr = orgnr(claims)?;
        let purpose = purpose_of_use(claims.get("authorization_details"));
        return Ok(Principal::Practitioner {
            hpr,
            orgnr,
            purpose,
        });
    }
    if let Some(client_id) = text(claims.get("client_id")) {
        let orgnr = orgnr(claims)?;
        let scopes = match claims.get("scope") {
            Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        return Ok(Principal::System {
            client_id,
            orgnr,
            scopes,
        });
    }
    Err("token identifies neither a citizen (pid), a practitioner (HPR number) nor a system (client_id)".into())
}

fn orgnr(claims: &Value) -> Result<String, String> {
    let orgnr = text(claims.get(ORGNR_CLAIM)).ok_or("token lacks the organisation number claim")?;
    if !is_digits(&orgnr, 9) {
        return Err("token organisation number is not 9 digits".into());
    }
    // The control digit too: an organisation that cannot exist must not get as far as
    // the access log (which would refuse to record it, failing every later read).
    if nordlys_fhir::ids::validate_orgnr(&orgnr).is_err() {
        return Err("token organisation number has a wrong control digit".into());
    }
    Ok(orgnr)
}

/// `authorization_details[type=nhn:tillitsrammeverk:parameters].care_relationship.purpose_of_use.code`.
/// HelseID sends an array, some clients a single object; both are read. An unknown
/// code asserts no care relationship.
fn purpose_of_use(details: Option<&Value>) -> Option<Purpose> {
    let entries: Vec<&Value> = match details? {
        Value::Array(items) => items.iter().collect(),
        obj @ Value::Object(_) => vec![obj],
        _ => return None,
    };
    entries
        .into_iter()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some(TRUST_FRAMEWORK_TYPE))
        .find_map(|e| {
            let code = e
                .pointer("/care_relationship/purpose_of_use/code")?
                .as_str()?;
            Purpose::from_code(code)
        })
}

/// The practitioner's free-text reason for the purpose of use (Nordlys extension of
/// the trust-framework entry: `care_relationship.purpose_of_use.text`, beside
/// `code` and `system` as in a CodeableConcept). Emergency access (ETREAT) must
/// state why; the reason goes to the access log. Control characters are dropped
/// and the text is cut at [`MAX_REASON_CHARS`], so a token cannot smuggle layout
/// or bulk into the log.
pub fn purpose_reason(claims: &Value) -> Option<String> {
    let entries: Vec<&Value> = match claims.get("authorization_details")? {
        Value::Array(items) => items.iter().collect(),
        obj @ Value::Object(_) => vec![obj],
        _ => return None,
    };
    let raw = entries
        .into_iter()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some(TRUST_FRAMEWORK_TYPE))
        .find_map(|e| {
            e.pointer("/care_relationship/purpose_of_use/text")?
                .as_str()
        })?;
    let clean: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_REASON_CHARS)
        .collect();
    let clean = clean.trim();
    (!clean.is_empty()).then(|| clean.to_owned())
}

/// A claim as text: strings as is, numbers printed (some issuers send HPR as a number).
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_with_wrong_control_digits_are_refused() {
        // 999888777 and 13097248023 are well-formed but fail mod-11.
        let sys = json!({"client_id": "x", ORGNR_CLAIM: "999888777"});
        assert_eq!(
            principal_from_claims(&sys),
            Err("token organisation number has a wrong control digit".to_owned())
        );
        assert_eq!(
            principal_from_claims(&json!({"pid": "13097248023"})),
            Err("token claim 'pid' is not a valid national identity number".to_owned())
        );
    }

    #[test]
    fn citizen_with_level() {
        let p = principal_from_claims(
            &json!({"pid": "13097248022", "acr": "idporten-loa-substantial"}),
        );
        assert_eq!(
            p,
            Ok(Principal::Citizen {
                pid: "13097248022".into(),
                level: SecurityLevel::Substantial
            })
        );
    }

    #[test]
    fn practitioner_with_purpose() {
        let claims = json!({
            HPR_CLAIM: "565501872",
            ORGNR_CLAIM: "983974899",
            "authorization_details": [
                {"type": "other", "care_relationship": {"purpose_of_use": {"code": "COC"}}},
                {"type": TRUST_FRAMEWORK_TYPE, "care_relationship": {"purpose_of_use": {"code": "ETREAT"}}}
            ]
        });
        assert_eq!(
            principal_from_claims(&claims),
            Ok(Principal::Practitioner {
                hpr: "565501872".into(),
                orgnr: "983974899".into(),
                purpose: Some(Purpose::EmergencyTreat)
            })
        );
    }

    #[test]
    fn practitioner_without_details_has_no_purpose() {
        let claims = json!({HPR_CLAIM: 565501872, ORGNR_CLAIM: "983974899"});
        let Ok(Principal::Practitioner { purpose, hpr, .. }) = principal_from_claims(&claims)
        else {
            panic!("not a practitioner")
        };
        assert_eq!(purpose, None);
        assert_eq!(hpr, "565501872");
    }

    #[test]
    fn reason_is_read_cleaned_and_capped() {
        let entry = |text: &str| {
            json!({"authorization_details": [{"type": TRUST_FRAMEWORK_TYPE,
                "care_relationship": {"purpose_of_use": {"code": "ETREAT", "text": text}}}]})
        };
        assert_eq!(
            purpose_reason(&entry(" Bevisstløs i akuttmottak\n")),
            Some("Bevisstløs i akuttmottak".to_owned())
        );
        assert_eq!(purpose_reason(&entry("   ")), None);
        let long = "x".repeat(MAX_REASON_CHARS + 10);
        assert_eq!(
            purpose_reason(&entry(&long)).map(|r| r.chars().count()),
            Some(MAX_REASON_CHARS)
        );
        // Another entry type's text is not ours.
        let other = json!({"authorization_details": [{"type": "other",
            "care_relationship": {"purpose_of_use": {"text": "x"}}}]});
        assert_eq!(purpose_reason(&other), None);
        assert_eq!(purpose_reason(&json!({})), None);
    }

    #[test]
    fn system_scopes_split() {
        let claims = json!({"client_id": "dips-unn", ORGNR_CLAIM: "983974899", "scope": "system/*.read system/*.write"});
        assert_eq!(
            principal_from_claims(&claims),
            Ok(Principal::System {
                client_id: "dips-unn".into(),
                orgnr: "983974899".into(),
                scopes: vec!["system/*.read".into(), "system/*.write".into()]
            })
        );
    }

    #[test]
    fn refusals() {
        assert!(principal_from_claims(&json!({"sub": "x"})).is_err());
        assert!(principal_from_claims(&json!({"pid": "123"})).is_err());
        assert!(principal_from_claims(&json!({"client_id": "x"})).is_err());
        assert!(principal_from_claims(&json!({"client_id": "x", ORGNR_CLAIM: "12"})).is_err());
    }
}
