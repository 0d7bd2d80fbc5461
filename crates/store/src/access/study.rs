//! The gate's side of "a study contacts consenting participants only" (issue 6 § 6):
//! hands the policy (`nordlys_policy::may_send_for_study`) the writer's organisation,
//! the item and the patient's parsed grants — the same ones every decision of this
//! request reads, so a withdrawal committed before this request is already seen.
use nordlys_policy::{Principal, StudyRefusal};

use super::AccessGate;
use crate::model::PendingWrite;

impl AccessGate {
    /// Practitioners and systems write items of their organisation; one that names a
    /// `ResearchStudy` is allowed only with the patient's research consent in force for
    /// that study naming that organisation. Citizens write such items only through the
    /// store's own operations, which never name a study.
    pub(crate) fn may_send_for_study(&self, write: &PendingWrite) -> Result<(), StudyRefusal> {
        let Some(resource) = &write.resource else {
            return Ok(());
        };
        let orgnr = match &self.ctx.principal {
            Principal::System { orgnr, .. } | Principal::Practitioner { orgnr, .. } => orgnr,
            Principal::Citizen { .. } => "",
        };
        self.study_contact_open(
            orgnr,
            &self.principal_refs,
            resource,
            write.columns.patient_id.as_deref(),
        )
    }

    /// Is the contact `resource` of organisation `orgnr` (a stored request being
    /// answered) still under an in-force consent? `$submit` asks this, so an answer is
    /// never delivered to a study after a withdrawal, even for a request written in the
    /// same instant as the withdrawal. The patient's view must be loaded.
    pub(crate) fn study_contact_open(
        &self,
        orgnr: &str,
        principal_refs: &[String],
        resource: &serde_json::Value,
        patient: Option<&str>,
    ) -> Result<(), StudyRefusal> {
        let grants = patient
            .and_then(|p| self.view(p))
            .map(|v| v.base.grants.as_slice())
            .unwrap_or(&[]);
        nordlys_policy::may_send_for_study(
            orgnr,
            principal_refs,
            resource,
            patient,
            grants,
            self.ctx.now,
        )
    }
}
