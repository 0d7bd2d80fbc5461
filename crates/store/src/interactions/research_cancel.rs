//! A withdrawal also takes back what the study had asked and the participant had not
//! answered yet (issue 6 § 6): each open `form-request` Task the study sent for this
//! study (`basedOn` = `ResearchStudy/{id}`) becomes `cancelled`, in the same batch as
//! the inactive Consent. Why here and not at reading: a request the person may no
//! longer answer must not be offered as open anywhere (the portal's forms tile, a
//! citizen's app reading `Task?status=requested`), and `$submit` already refuses a
//! request that is not `requested` (422) — so nothing reaches the study afterwards.
//! Each is written over the version read (`VersionIs`): a concurrent answer makes the
//! whole withdrawal fail with 409 rather than deliver after it.
use serde_json::{json, Value};

use super::booking::parse_body;
use super::prepare::prepare_write;
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::{PendingWrite, Precondition};
use crate::service::FhirStore;

impl FhirStore {
    /// The cancelled versions of the study's open requests to this patient.
    pub(crate) async fn study_requests_to_cancel(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
        study_id: &str,
        org: &str,
    ) -> StoreResult<Vec<PendingWrite>> {
        let request = self.parse_search(
            "Task",
            &[
                ("patient".into(), format!("Patient/{patient_id}")),
                ("status".into(), "requested".into()),
                ("based-on".into(), format!("ResearchStudy/{study_id}")),
                ("_count".into(), "100".into()),
            ],
            false,
        )?;
        let mut out = Vec::new();
        for task in self.search(ctx, &request).await?.matches {
            if task.columns.owner_org.as_deref() != Some(org) {
                continue;
            }
            let mut body: Value = parse_body(&task)?;
            body["status"] = json!("cancelled");
            body["statusReason"] = json!({"text": "The participant withdrew from the study"});
            body["lastModified"] =
                json!(ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            out.push(prepare_write(
                body,
                "Task",
                &task.id,
                task.columns.owner_org.clone(),
                Precondition::VersionIs(task.version),
            )?);
        }
        Ok(out)
    }
}
