//! `FhirStore::appointment_guidance`: the information texts and tasks a unit's
//! published rules attach to one appointment (`appointment_rules.rs` decides).
//!
//! Why evaluated when asked, not turned into stored Tasks at booking: appointments
//! also arrive from record systems (not only through `$book`), rules change after
//! booking (a new preparation text must reach appointments already made), and the
//! patient's age is counted on the appointment's day. Computing on each view covers
//! all three with no write and nothing to keep in step; the answer is a `RequestGroup`
//! (what `PlanDefinition/$apply` yields), never stored.
//!
//! Access: the appointment and the patient are read through the gate with the
//! caller's context (so both reads are decided and logged as any read); a caller
//! who sees the appointment only as metadata gets no guidance, and one who cannot see
//! the patient gets only the rules without age or sex conditions. The rules are
//! directory data (§ 4) and only the appointment's own organisation's count.
use nordlys_policy::REDACTED_CODE;
use serde_json::Value;

use super::appointment_rules::{
    facts_of, matching, request_group, rule_of, Rule, RULE_KIND_CODE, RULE_KIND_SYSTEM,
};
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::service::FhirStore;

/// Most rules of one organisation considered.
const MAX_RULES: usize = 200;

fn redacted(v: &Value) -> bool {
    v.pointer("/meta/security")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|c| c["code"] == REDACTED_CODE))
}

impl FhirStore {
    /// The guidance for `Appointment/{id}` as a `RequestGroup`; 404 as a read when the
    /// caller does not see the appointment.
    pub async fn appointment_guidance(
        &self,
        ctx: &RequestContext,
        appointment_id: &str,
    ) -> StoreResult<Value> {
        let stored = self.read(ctx, "Appointment", appointment_id).await?;
        let appt: Value = serde_json::from_str(&stored.body).unwrap_or(Value::Null);
        let reference = format!("Appointment/{appointment_id}");
        if redacted(&appt) {
            return Ok(request_group(&reference, None, &[]));
        }
        let patient_ref = appt
            .get("participant")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.pointer("/actor/reference").and_then(Value::as_str))
            .find(|r| r.starts_with("Patient/"))
            .map(str::to_owned);
        let patient = match patient_ref
            .as_deref()
            .and_then(|r| r.strip_prefix("Patient/"))
        {
            Some(id) => self
                .read(ctx, "Patient", id)
                .await
                .ok()
                .and_then(|p| serde_json::from_str::<Value>(&p.body).ok())
                .filter(|p| !redacted(p)),
            None => None,
        };
        let params = vec![
            (
                "type".to_owned(),
                format!("{RULE_KIND_SYSTEM}|{RULE_KIND_CODE}"),
            ),
            ("status".to_owned(), "active".to_owned()),
            ("_count".to_owned(), MAX_RULES.to_string()),
        ];
        let request = self.parse_search("PlanDefinition", &params, false)?;
        let found = self.search(ctx, &request).await?;
        let owner = stored.columns.owner_org.as_deref();
        let rules: Vec<Rule> = found
            .matches
            .iter()
            .filter(|m| owner.is_some() && m.columns.owner_org.as_deref() == owner)
            .filter_map(|m| serde_json::from_str::<Value>(&m.body).ok())
            .filter_map(|p| rule_of(&p))
            .collect();
        let facts = facts_of(&appt, patient.as_ref());
        let matched = matching(&rules, &facts);
        Ok(request_group(&reference, patient_ref.as_deref(), &matched))
    }
}
