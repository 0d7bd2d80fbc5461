//! What the portal shows under "Forskning": the studies that recruit now and the
//! patient's answer to each (and to studies they answered that no longer recruit).
//!
//! Why here and not in the portal: the answer lives in two places (the `research`
//! grant and the ResearchSubject sharing its id), and only the store may read the
//! subject without the gate's write rules getting in the way; the patient's grants
//! come from the same view the policy decides with, so the list cannot disagree with
//! what the study's system is allowed.
use serde_json::Value;

use super::booking::{not_found, parse_body};
use crate::context::RequestContext;
use crate::error::StoreResult;
use crate::model::ResourceKey;
use crate::service::FhirStore;

/// One study and the patient's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyChoice {
    pub study_id: String,
    pub title: String,
    /// The consent text (`ResearchStudy.description`).
    pub description: String,
    /// The study recruits now (`status` active).
    pub recruiting: bool,
    /// The ResearchSubject status after the patient's last answer (`on-study`,
    /// `not-registered`, `withdrawn`), or `None` if never answered.
    pub answer: Option<String>,
}

impl StudyChoice {
    /// The consent is in force: the study may use the data.
    pub fn consented(&self) -> bool {
        self.answer.as_deref() == Some("on-study")
    }
}

impl FhirStore {
    /// The studies `patient_id` may answer (or has answered), as the caller sees them.
    pub async fn research_choices(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
    ) -> StoreResult<Vec<StudyChoice>> {
        let patient = self
            .backend
            .read_current(ctx, &ResourceKey::new("Patient", patient_id))
            .await?
            .filter(|p| !p.deleted)
            .ok_or_else(|| not_found("Patient", patient_id))?;
        let gate = self.gate(ctx, [&patient.columns]).await?;
        if !gate.visible(&patient.columns) {
            return Err(not_found("Patient", patient_id));
        }
        let answered: Vec<(String, String)> = gate
            .view(patient_id)
            .map(|v| {
                v.base
                    .grants
                    .iter()
                    .filter(|g| g.kind == nordlys_policy::GrantKind::Research)
                    .filter_map(|g| {
                        let id = g.id.as_deref()?.strip_prefix("Consent/")?.to_string();
                        let study = g
                            .data
                            .iter()
                            .find_map(|d| d.reference.strip_prefix("ResearchStudy/"))?;
                        Some((study.to_string(), id))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let request = self.parse_search(
            "ResearchStudy",
            &[
                ("status".into(), "active".into()),
                ("_count".into(), "100".into()),
            ],
            false,
        )?;
        let mut studies: Vec<(String, Value)> = Vec::new();
        for s in self.search(ctx, &request).await?.matches {
            studies.push((s.id.clone(), parse_body(&s)?));
        }
        for (study, _) in &answered {
            if studies.iter().any(|(id, _)| id == study) {
                continue;
            }
            let key = ResourceKey::new("ResearchStudy", study);
            if let Some(s) = self.backend.read_current(ctx, &key).await? {
                if !s.deleted {
                    studies.push((s.id.clone(), parse_body(&s)?));
                }
            }
        }
        let mut out = Vec::with_capacity(studies.len());
        for (study_id, body) in studies {
            let mut answer = None;
            if let Some((_, id)) = answered.iter().find(|(s, _)| *s == study_id) {
                let key = ResourceKey::new("ResearchSubject", id);
                if let Some(subject) = self.backend.read_current(ctx, &key).await? {
                    answer = parse_body(&subject)?
                        .get("status")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                }
            }
            let text = |k: &str| {
                body.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            out.push(StudyChoice {
                recruiting: text("status") == "active",
                title: text("title"),
                description: text("description"),
                study_id,
                answer,
            });
        }
        Ok(out)
    }
}
