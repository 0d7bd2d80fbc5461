//! Research consent (issue 6 § 6): consenting to, declining and withdrawing from a
//! study, each ONE transaction of a `research` grant (Consent) and the ResearchSubject.
//!
//! Why a store operation and not two FHIR writes: citizens write only grants through
//! the gate (`AccessGate::may_write`), yet the study's ResearchSubject must change with
//! the consent, never apart from it — a withdrawn consent with an `on-study` subject (or
//! the reverse) would tell the study the wrong thing. So, like booking, both go in one
//! batch. Who may consent is still the policy's answer: the Consent passes the same
//! `check_write` as a FHIR write (`may_write_grant`: the patient from 16, a parent for
//! a child under 16). The grant names the study's organisation by orgnr, which is what
//! `decide` reads for a research system (`system.research`); withdrawal is a new
//! version `inactive`, and the view cache is invalidated on commit, so the study's
//! system is refused from the next request on.
//!
//! One Consent and one ResearchSubject per (patient, study), sharing an id: the grant
//! is found through the patient's grants (its `provision.data` names the study), and
//! the subject by the same id, without a search.
use nordlys_policy::{GrantKind, Principal, DNR_SYSTEM, FNR_SYSTEM, ORGNR_SYSTEM};
use serde_json::{json, Value};

use super::booking::{not_found, parse_body};
use super::prepare::prepare_write;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{Precondition, ResourceKey, StoredResource};
use crate::service::FhirStore;

const SCOPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
const ACT_CODE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const PARTICIPATION_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";

/// What a person answers about a study.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudyAnswer {
    Consent,
    Decline,
    Withdraw,
}

impl StudyAnswer {
    /// The Consent status and the ResearchSubject status this answer writes.
    fn statuses(self) -> (&'static str, &'static str) {
        match self {
            StudyAnswer::Consent => ("active", "on-study"),
            StudyAnswer::Decline => ("rejected", "not-registered"),
            StudyAnswer::Withdraw => ("inactive", "withdrawn"),
        }
    }
}

/// The outcome of an answer: the Consent and the ResearchSubject as committed.
#[derive(Debug, Clone)]
pub struct StudyOutcome {
    pub consent: StoredResource,
    pub subject: StoredResource,
}

impl FhirStore {
    /// The patient consents to `study_id` (an active study): the `research` grant in
    /// force and the ResearchSubject `on-study`, together.
    pub async fn consent_to_study(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
        study_id: &str,
    ) -> StoreResult<StudyOutcome> {
        self.answer_study(ctx, patient_id, study_id, StudyAnswer::Consent)
            .await
    }

    /// The patient declines: the Consent `rejected`, the subject `not-registered`.
    pub async fn decline_study(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
        study_id: &str,
    ) -> StoreResult<StudyOutcome> {
        self.answer_study(ctx, patient_id, study_id, StudyAnswer::Decline)
            .await
    }

    /// The patient withdraws a consent in force: the Consent `inactive` (a new
    /// version) and the subject `withdrawn`, together; effective at once.
    pub async fn withdraw_from_study(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
        study_id: &str,
    ) -> StoreResult<StudyOutcome> {
        self.answer_study(ctx, patient_id, study_id, StudyAnswer::Withdraw)
            .await
    }

    async fn answer_study(
        &self,
        ctx: &RequestContext,
        patient_id: &str,
        study_id: &str,
        answer: StudyAnswer,
    ) -> StoreResult<StudyOutcome> {
        let Principal::Citizen { pid, .. } = &ctx.principal else {
            return Err(StoreError::Forbidden(
                "a research consent is given by the patient, or a parent for a child".into(),
            ));
        };
        let study = self
            .backend
            .read_current(ctx, &ResourceKey::new("ResearchStudy", study_id))
            .await?
            .filter(|s| !s.deleted)
            .ok_or_else(|| not_found("ResearchStudy", study_id))?;
        let study_body = parse_body(&study)?;
        if answer == StudyAnswer::Consent
            && study_body.get("status").and_then(Value::as_str) != Some("active")
        {
            return Err(rule(
                "ResearchStudy.status",
                "this study does not recruit participants now",
            ));
        }
        let org = study
            .columns
            .owner_org
            .clone()
            .ok_or_else(|| rule("ResearchStudy", "the study names no research organisation"))?;
        let patient = self
            .backend
            .read_current(ctx, &ResourceKey::new("Patient", patient_id))
            .await?
            .filter(|p| !p.deleted)
            .ok_or_else(|| not_found("Patient", patient_id))?;
        let gate = self.gate(ctx, [&patient.columns]).await?;
        let existing = gate.view(patient_id).and_then(|v| {
            let study_ref = format!("ResearchStudy/{study_id}");
            v.base
                .grants
                .iter()
                .filter(|g| g.kind == GrantKind::Research)
                .find(|g| g.data.iter().any(|d| d.reference == study_ref))
                .map(|g| (g.id.clone(), g.active))
        });
        let id = match &existing {
            Some((Some(grant_id), active)) => {
                if answer == StudyAnswer::Withdraw && !active {
                    return Err(rule("Consent", "there is no consent in force to withdraw"));
                }
                grant_id.trim_start_matches("Consent/").to_string()
            }
            Some((None, _)) => return Err(StoreError::Internal("a stored grant has no id".into())),
            None if answer == StudyAnswer::Withdraw => {
                if !gate.visible(&patient.columns) {
                    return Err(not_found("Patient", patient_id));
                }
                return Err(rule("Consent", "there is no consent in force to withdraw"));
            }
            None => uuid::Uuid::new_v4().to_string(),
        };
        let (consent_status, subject_status) = answer.statuses();
        let consent = consent_body(&id, patient_id, study_id, &org, pid, consent_status, ctx);
        let consent = prepare_write(
            consent,
            "Consent",
            &id,
            None,
            self.precondition(ctx, "Consent", &id).await?,
        )?;
        let mut gate = gate;
        self.extend_gate(ctx, &mut gate, [&consent.columns]).await?;
        if let Err(e) = self.check_write(&gate, &consent) {
            // Someone who may not even see the patient learns nothing about them.
            return Err(if gate.visible(&patient.columns) {
                e
            } else {
                not_found("Patient", patient_id)
            });
        }
        let subject = subject_body(&id, patient_id, study_id, subject_status);
        let subject = prepare_write(
            subject,
            "ResearchSubject",
            &id,
            Some(org.clone()),
            self.precondition(ctx, "ResearchSubject", &id).await?,
        )?;
        let created = [
            matches!(consent.precondition, Precondition::MustNotExist),
            matches!(subject.precondition, Precondition::MustNotExist),
        ];
        let mut writes = vec![consent, subject];
        let mut created = created.to_vec();
        if answer == StudyAnswer::Withdraw {
            let cancelled = self
                .study_requests_to_cancel(ctx, patient_id, study_id, &org)
                .await?;
            created.extend(cancelled.iter().map(|_| false));
            writes.extend(cancelled);
        }
        writes.extend(self.audits_for_writes(ctx, &writes, &created)?);
        let committed = self.commit_writes(ctx, writes).await?;
        let take = |rt: &str| {
            committed
                .iter()
                .map(|c| &c.stored)
                .find(|s| s.resource_type == rt)
                .cloned()
                .ok_or_else(|| StoreError::Internal(format!("commit returned no {rt}")))
        };
        Ok(StudyOutcome {
            consent: take("Consent")?,
            subject: take("ResearchSubject")?,
        })
    }

    /// Write over the version read (a concurrent answer then fails, 409), or create.
    async fn precondition(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> StoreResult<Precondition> {
        let current = self
            .backend
            .read_current(ctx, &ResourceKey::new(resource_type, id))
            .await?;
        Ok(current.map_or(Precondition::MustNotExist, |c| {
            Precondition::VersionIs(c.version)
        }))
    }
}

/// The `research` grant of contract.md: scope `research`, the study's organisation as
/// actor (by orgnr, as `decide` reads it), the study in `provision.data`, signed by
/// the person answering (the patient, or the parent) by national id.
fn consent_body(
    id: &str,
    patient_id: &str,
    study_id: &str,
    org: &str,
    pid: &str,
    status: &str,
    ctx: &RequestContext,
) -> Value {
    let d_number = nordlys_fhir::ids::parse_national_id(pid).is_ok_and(|n| n.is_d_number);
    let system = if d_number { DNR_SYSTEM } else { FNR_SYSTEM };
    json!({
        "resourceType": "Consent", "id": id, "status": status,
        "scope": {"coding": [{"system": SCOPE_SYSTEM, "code": "research"}]},
        "category": [{"coding": [{"system": nordlys_policy::GRANT_KIND_SYSTEM, "code": "research"}]}],
        "patient": {"reference": format!("Patient/{patient_id}")},
        "dateTime": ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "performer": [{"identifier": {"system": system, "value": pid}}],
        "policyRule": {"coding": [{"system": ACT_CODE_SYSTEM, "code": "OPTIN"}]},
        "provision": {
            "type": "permit",
            "actor": [{
                "role": {"coding": [{"system": PARTICIPATION_SYSTEM, "code": "IRCP"}]},
                "reference": {"identifier": {"system": ORGNR_SYSTEM, "value": org}}
            }],
            "data": [{"meaning": "instance", "reference": {"reference": format!("ResearchStudy/{study_id}")}}]
        }
    })
}

/// The study's record of the participant. Tagged `do-not-notify`: it is the person's
/// own answer, not news — without the tag the outbox (§ 11) would tell the patient and
/// the parents "you have a new document" after every click.
fn subject_body(id: &str, patient_id: &str, study_id: &str, status: &str) -> Value {
    json!({
        "resourceType": "ResearchSubject", "id": id, "status": status,
        "meta": {"tag": [{"system": nordlys_policy::NOTIFICATION_TAG_SYSTEM, "code": "do-not-notify"}]},
        "study": {"reference": format!("ResearchStudy/{study_id}")},
        "individual": {"reference": format!("Patient/{patient_id}")},
        "consent": {"reference": format!("Consent/{id}")}
    })
}

fn rule(expression: &str, message: &str) -> StoreError {
    StoreError::Invalid(vec![nordlys_fhir::Issue {
        severity: nordlys_fhir::IssueSeverity::Error,
        code: "business-rule",
        expression: expression.into(),
        diagnostics: message.into(),
    }])
}
