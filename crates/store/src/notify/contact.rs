//! Where to tell a person about news: e-mail addresses, mobile numbers and language
//! from the person's own record, found by national id.
//!
//! Why from the record and without logging: contact details are a delivery input, like
//! the facts the policy reads; nobody is shown anything, so nothing is logged as read.
//! Why RelatedPerson as a fallback: a parent may have no Patient record of their own,
//! only the RelatedPerson on their child's record, which carries their telecom.
//! (The person's channel choice in the portal's settings, `notify::preferences`, narrows
//! which of these the deliverer uses.)
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::decide::notifier_ctx;
use crate::error::StoreResult;
use crate::interactions::represent::by_identifier;
use crate::model::{ResourceKey, StoredResource};
use crate::service::FhirStore;

/// How a person can be reached. Each list is best first: by `rank` (1 = preferred),
/// unranked after ranked, newest record first among equals; no duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    /// `telecom` with system `email`.
    pub emails: Vec<String>,
    /// `telecom` with system `sms`, or `phone` with use `mobile`.
    pub mobiles: Vec<String>,
    /// The preferred `communication.language` code (BCP 47, e.g. `nb`, `nn-NO`, `se`).
    pub language: Option<String>,
}

impl FhirStore {
    /// The contact details of national id `pid`: from the person's Patient records, or
    /// if there are none, from RelatedPersons carrying the id. `None` if neither exists.
    pub async fn contact_of(&self, pid: &str, now: DateTime<Utc>) -> StoreResult<Option<Contact>> {
        for resource_type in ["Patient", "RelatedPerson"] {
            let records = self.records_of(resource_type, pid, now).await?;
            if !records.is_empty() {
                return Ok(Some(contact_from(&records, now)));
            }
        }
        Ok(None)
    }

    /// The person's current records of this type, newest first.
    async fn records_of(
        &self,
        resource_type: &str,
        pid: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Value>> {
        let loader = notifier_ctx(now);
        let keys: Vec<ResourceKey> = self
            .backend
            .search(&loader, &by_identifier(resource_type, pid))
            .await?
            .into_iter()
            .map(|h| h.key)
            .collect();
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut stored: Vec<StoredResource> = self
            .backend
            .read_many(&loader, &keys)
            .await?
            .into_iter()
            .filter(|s| !s.deleted)
            .collect();
        stored.sort_by_key(|s| std::cmp::Reverse(s.last_updated));
        Ok(stored
            .iter()
            .filter_map(|s| serde_json::from_str(&s.body).ok())
            .filter(|r: &Value| r["active"].as_bool() != Some(false))
            .collect())
    }
}

/// Whether a contact point or communication is in use at `now`.
fn current(point: &Value, now: DateTime<Utc>) -> bool {
    if point["use"].as_str() == Some("old") {
        return false;
    }
    let end = point["period"]["end"].as_str().and_then(|e| {
        DateTime::parse_from_rfc3339(e)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(e, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(23, 59, 59))
                    .map(|t| t.and_utc())
            })
    });
    end.is_none_or(|end| end >= now)
}

/// The contact of `records` (newest first).
fn contact_from(records: &[Value], now: DateTime<Utc>) -> Contact {
    // (rank, record order, position): ranked first, then newest record, then as listed.
    let mut emails: Vec<(u64, usize, String)> = Vec::new();
    let mut mobiles: Vec<(u64, usize, String)> = Vec::new();
    let mut order = 0;
    for r in records {
        for point in r["telecom"].as_array().into_iter().flatten() {
            order += 1;
            let Some(value) = point["value"]
                .as_str()
                .map(str::trim)
                .filter(|v| !v.is_empty())
            else {
                continue;
            };
            if !current(point, now) {
                continue;
            }
            let rank = point["rank"].as_u64().unwrap_or(u64::MAX);
            let list = match (point["system"].as_str(), point["use"].as_str()) {
                (Some("email"), _) => &mut emails,
                (Some("sms"), _) | (Some("phone"), Some("mobile")) => &mut mobiles,
                _ => continue,
            };
            list.push((rank, order, value.to_string()));
        }
    }
    let best_first = |mut list: Vec<(u64, usize, String)>| {
        list.sort();
        let mut out: Vec<String> = Vec::new();
        for (_, _, v) in list {
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    };
    let language = records.iter().find_map(|r| {
        let comms = r["communication"].as_array()?;
        let preferred = comms
            .iter()
            .find(|c| c["preferred"].as_bool() == Some(true))
            .or_else(|| comms.first())?;
        preferred["language"]["coding"]
            .as_array()?
            .iter()
            .find_map(|c| c["code"].as_str())
            .map(str::to_string)
    });
    Contact {
        emails: best_first(emails),
        mobiles: best_first(mobiles),
        language,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ranks_order_each_channel_and_old_numbers_are_skipped() {
        let now = Utc::now();
        let newest = json!({"telecom": [
            {"system": "email", "value": "b@example.no", "rank": 2},
            {"system": "phone", "use": "mobile", "value": "+4791000001"},
            {"system": "sms", "value": "+4791000002", "period": {"end": "2001-01-01"}},
            {"system": "phone", "use": "home", "value": "+4773000000"}],
            "communication": [{"language": {"coding": [{"code": "en"}]}},
                {"preferred": true, "language": {"coding": [{"code": "nn"}]}}]});
        let older = json!({"telecom": [
            {"system": "email", "value": "a@example.no", "rank": 1},
            {"system": "email", "value": "b@example.no", "rank": 3},
            {"system": "sms", "value": "+4791000003", "use": "old"}]});
        let c = contact_from(&[newest, older], now);
        assert_eq!(c.emails, ["a@example.no", "b@example.no"]);
        assert_eq!(c.mobiles, ["+4791000001"]);
        assert_eq!(c.language.as_deref(), Some("nn"));
        assert_eq!(contact_from(&[json!({})], now), Contact::default());
    }
}
