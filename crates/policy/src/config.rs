//! Knobs a health region may set differently (access-policy.md: "make it configurable
//! if a health region could reasonably decide otherwise").
//!
//! Why defaults are the strict readings: a region that wants more openness has to say
//! so in its configuration; forgetting a setting never leaks.
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::json::{codings, each, str_at};
use crate::level::Level;

/// Policy configuration. `Default` gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyConfig {
    /// Results open to citizens this many days after `DiagnosticReport.issued` (§ 7).
    pub result_deferral_days: i64,
    /// Referrals to paediatric / child-psychiatry units open this many days after the
    /// referral was received (§ 7).
    pub paediatric_deferral_days: i64,
    /// Receiving units that count as paediatric or child psychiatry: `Organization/id`
    /// references or identifier values (orgnr, RESH). See [`PolicyConfig::add_paediatric_units`].
    pub paediatric_units: Vec<String>,
    /// `Organization.type` codes (any system) that make a unit paediatric / child psychiatry.
    pub paediatric_org_types: Vec<String>,
    /// Organisations (orgnr) whose results are still accepted at intake while the
    /// patient has a reservation. Empty (default): every organisation's are refused.
    pub reservation_exempt_orgs: Vec<String>,
    /// Level of a `parent-access` grant that names no level (default `metadata`).
    pub parent_access_default_level: Level,
    /// Level of a `youth-access` grant that names no level (§ 8: `full`).
    pub youth_access_default_level: Level,
    /// What a youth (12–15, consent given) sees of a dialog item they do not take part
    /// in (§ 6 is silent; default `none`).
    pub youth_dialog_non_participant: Level,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            result_deferral_days: 14,
            paediatric_deferral_days: 10,
            paediatric_units: Vec::new(),
            paediatric_org_types: vec!["paediatrics".into(), "child-psychiatry".into()],
            reservation_exempt_orgs: Vec::new(),
            parent_access_default_level: Level::Metadata,
            youth_access_default_level: Level::Full,
            youth_dialog_non_participant: Level::None,
        }
    }
}

impl PolicyConfig {
    /// Adds every Organization whose `type` has a code in `paediatric_org_types` to
    /// `paediatric_units` (its reference and its identifier values). Pure: the caller
    /// reads the organisations.
    pub fn add_paediatric_units(&mut self, organizations: &[Value]) {
        for org in organizations
            .iter()
            .filter(|o| str_at(o, "resourceType") == Some("Organization"))
        {
            let is_paed = codings(org.get("type"))
                .iter()
                .any(|(_, c)| self.paediatric_org_types.iter().any(|t| t == c));
            if !is_paed {
                continue;
            }
            if let Some(id) = str_at(org, "id") {
                self.push_unit(format!("Organization/{id}"));
            }
            for v in each(org.get("identifier")).filter_map(|i| str_at(i, "value")) {
                self.push_unit(v.to_string());
            }
        }
    }

    fn push_unit(&mut self, unit: String) {
        if !self.paediatric_units.contains(&unit) {
            self.paediatric_units.push(unit);
        }
    }

    /// Is one of these receivers (references or identifier values) a paediatric unit?
    pub fn is_paediatric(&self, receivers: &[String]) -> bool {
        receivers.iter().any(|r| self.paediatric_units.contains(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paediatric_units_come_from_organisation_types() {
        let mut c = PolicyConfig::default();
        c.add_paediatric_units(&[
            json!({"resourceType": "Organization", "id": "unn-paed", "type": [{"coding": [{"code": "paediatrics"}]}],
                   "identifier": [{"system": "urn:oid:2.16.578.1.12.4.1.4.102", "value": "4001031"}]}),
            json!({"resourceType": "Organization", "id": "unn-surg", "type": [{"coding": [{"code": "surgery"}]}]}),
        ]);
        assert_eq!(
            c.paediatric_units,
            vec!["Organization/unn-paed".to_string(), "4001031".to_string()]
        );
        assert!(c.is_paediatric(&["4001031".to_string()]));
        assert!(!c.is_paediatric(&["Organization/unn-surg".to_string()]));
        assert_eq!(c.result_deferral_days, 14);
    }
}
