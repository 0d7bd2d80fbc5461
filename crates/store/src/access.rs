//! The one place where the store asks the access policy about an item.
//!
//! Every interaction (read, search, includes, history, `$everything`, bundles) calls
//! [`AccessGate::level`] for each item it would return, with the facts kept in the
//! item's columns, so that no path can forget the policy. The decision itself lives
//! in the `nordlys-policy` crate.
//!
//! STATUS: the full § 3–9 engine is being wired in (issue 3). Until then the gate is
//! *closed by default*: citizens see nothing but directory data; health personnel and
//! systems see their own organisation's items, and other organisations' items only
//! with an asserted care relationship (§ 9). Nothing here is more open than the spec.
use nordlys_policy::Principal;

use crate::context::RequestContext;
use crate::model::ItemColumns;

/// `none` < `metadata` < `full` (access-policy.md § 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    None,
    Metadata,
    Full,
}

/// Decides per item for one request.
pub struct AccessGate<'a> {
    ctx: &'a RequestContext,
}

impl<'a> AccessGate<'a> {
    pub fn new(ctx: &'a RequestContext) -> Self {
        AccessGate { ctx }
    }

    /// The level at which this request may see an item with these facts.
    pub fn level(&self, columns: &ItemColumns) -> Access {
        if columns.patient_id.is_none() {
            // Directory data (Organization, Practitioner, Questionnaire…): § 4.
            return Access::Full;
        }
        match &self.ctx.principal {
            Principal::Citizen { .. } => Access::None,
            Principal::Practitioner { orgnr, purpose, .. } => {
                if columns.owner_org.as_deref() == Some(orgnr.as_str()) || purpose.is_some() {
                    Access::Full
                } else {
                    Access::None
                }
            }
            Principal::System { orgnr, .. } => {
                if columns.owner_org.as_deref() == Some(orgnr.as_str()) {
                    Access::Full
                } else {
                    Access::None
                }
            }
        }
    }

    /// Types no client writes: the server alone records the access log.
    pub fn may_write_type(&self, resource_type: &str) -> bool {
        resource_type != "AuditEvent"
    }

    /// Whether the principal may write an item with these facts at all (§ 10).
    pub fn may_write(&self, columns: &ItemColumns) -> bool {
        match &self.ctx.principal {
            Principal::Citizen { .. } => false,
            Principal::Practitioner { .. } | Principal::System { .. } => {
                columns.owner_org.is_none()
                    || columns.owner_org.as_deref() == self.ctx.principal.orgnr()
            }
        }
    }
}
