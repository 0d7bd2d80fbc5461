//! `Subscription.criteria`: a search string checked by the store's own search parser,
//! so a criterion means exactly what the same search means (and an unknown parameter
//! is a 400, as in search).
use crate::error::{StoreError, StoreResult};
use crate::interactions::write::form_pairs;
use crate::service::StoreConfig;

/// Parameters that shape a result and make no sense in a criterion.
const SHAPING: &[&str] = &[
    "_count",
    "_offset",
    "_sort",
    "_summary",
    "_total",
    "_elements",
    "_include",
    "_revinclude",
    "_format",
    "_pretty",
];

/// `Type?a=1&b=2` → the type and its query pairs, checked by the search parser.
pub fn parse_criteria(
    config: &StoreConfig,
    criteria: &str,
) -> StoreResult<(String, Vec<(String, String)>)> {
    let criteria = criteria.trim();
    let (ty, query) = criteria.split_once('?').unwrap_or((criteria, ""));
    if ty.is_empty() || !ty.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(StoreError::BadRequest(
            "Subscription.criteria must be a search such as Communication?recipient=Organization/x"
                .into(),
        ));
    }
    let pairs: Vec<(String, String)> = form_pairs(query)
        .into_iter()
        .filter(|(k, _)| !k.is_empty())
        .collect();
    if let Some((k, _)) = pairs.iter().find(|(k, _)| {
        let base = k.split(':').next().unwrap_or(k);
        SHAPING.contains(&base)
    }) {
        return Err(StoreError::BadRequest(format!(
            "Subscription.criteria may not use the result parameter {k}"
        )));
    }
    if super::never_matched(ty) {
        return Err(StoreError::BadRequest(format!(
            "subscriptions on {ty} are not offered"
        )));
    }
    if !nordlys_fhir::definitions().is_resource_type(ty) {
        return Err(StoreError::BadRequest(format!(
            "Subscription.criteria names an unknown resource type {ty}"
        )));
    }
    // Strict: an unknown parameter is a 400, never a silently wider subscription.
    crate::search::parse_search(ty, &pairs, false, config)?;
    Ok((ty.to_string(), pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_are_checked_like_a_search() {
        let s = StoreConfig::default();
        let (ty, pairs) = parse_criteria(&s, "Communication?recipient=Organization/974589095")
            .unwrap_or_default();
        assert_eq!(ty, "Communication");
        assert_eq!(
            pairs,
            vec![(
                "recipient".to_string(),
                "Organization/974589095".to_string()
            )]
        );
        assert!(parse_criteria(&s, "Task").is_ok());
        for bad in [
            "Communication?nonsense=1",
            "Communication?recipient=x&_count=5",
            "Nonsense?x=1",
            "?recipient=x",
            "AuditEvent?patient=Patient/1",
            "Subscription?status=active",
            "",
        ] {
            assert!(parse_criteria(&s, bad).is_err(), "{bad} must be refused");
        }
    }
}
