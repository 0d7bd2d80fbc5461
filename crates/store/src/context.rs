//! The request context: who asks, for what purpose, and when.
//!
//! `now` is part of the context (not read from the clock deep inside) so that a
//! request sees one consistent time and tests can pin it.
use chrono::{DateTime, Utc};
use nordlys_policy::{Principal, Purpose};

#[derive(Debug, Clone)]
pub struct RequestContext {
    pub principal: Principal,
    pub purpose: Option<Purpose>,
    /// The practitioner's stated reason for the purpose (required for emergency
    /// access, ETREAT): carried from the token's trust-framework claims so that it
    /// reaches the access log (`AuditEvent.purposeOfEvent.text`). Not a policy input:
    /// the policy decides on the purpose code alone.
    pub reason: Option<String>,
    /// Correlates log lines and access-log events of one request.
    pub request_id: String,
    pub now: DateTime<Utc>,
}

impl RequestContext {
    pub fn new(principal: Principal) -> Self {
        let purpose = match &principal {
            Principal::Practitioner { purpose, .. } => *purpose,
            _ => None,
        };
        RequestContext {
            principal,
            purpose,
            reason: None,
            request_id: uuid::Uuid::new_v4().to_string(),
            now: Utc::now(),
        }
    }
}
