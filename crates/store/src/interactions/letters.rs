//! Read receipts for letters (issue 5 § 5): when a citizen — the patient or someone
//! acting for them — opens a letter in full, the store records that it was read, once,
//! as a work-item Task of kind `letter-read` owned by the sending unit.
//!
//! Why a Task and not a flag on the letter: the letter belongs to the unit that sent
//! it, and citizens never write it; a Task is what the unit's record system already
//! searches (`Task?focus=DocumentReference/x`, `Task?owner=…`) and what subscriptions
//! carry to it. Why one Task per letter with a fixed id (`letter-read-{letter id}`):
//! the first reader wins with `MustNotExist`, so two readers at once (both parents)
//! or a reload write one receipt, and "has this letter been read" is one key lookup
//! for the reminder (crate::notify::reminder).
//!
//! Why called by the showing paths and not inside `FhirStore::read`: a letter is read
//! when it is *shown* to a person — the portal's letter page, or a citizen's app
//! reading `GET DocumentReference/{id}` — not whenever the store loads it (a
//! conditional check, a bundle, a test harness). Both showing paths call
//! [`FhirStore::note_letter_opened`] after their read. The receipt is written by a
//! dedicated operation that builds the Task, decides it with the reader's context and
//! asks `nordlys_policy::may_act` (§ 10), as booking does. A failure to record it
//! never fails the read: it is logged, and the next opening tries again.
use nordlys_policy::{
    Principal, Relation, RelationKind, NOTIFICATION_TAG_SYSTEM, ORGNR_SYSTEM, TASK_KIND_SYSTEM,
};
use serde_json::{json, Value};

use super::booking::parse_body;
use super::prepare::prepare_write;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::{Precondition, ResourceKey, StoredResource};
use crate::service::FhirStore;

/// The `Task.code` of a read receipt.
pub const LETTER_READ_KIND: &str = "letter-read";

/// The id of a letter's read receipt Task.
pub fn receipt_id(letter_id: &str) -> String {
    format!("letter-read-{letter_id}")
}

/// Whether a stored item is a letter (the policy's `letters` category).
pub fn is_letter(stored: &StoredResource) -> bool {
    stored.resource_type == "DocumentReference"
        && stored
            .columns
            .facts
            .as_deref()
            .and_then(|f| serde_json::from_str::<nordlys_policy::ItemFacts>(f).ok())
            .is_some_and(|f| f.category == Some(nordlys_policy::Category::Letters))
}

/// Whether a stored Task is a read receipt of the letter's unit (`owner`): a
/// `letter-read` Task stored under that organisation.
pub fn receipt_of(task: &StoredResource, owner: Option<&str>) -> bool {
    task.resource_type == "Task"
        && task.columns.owner_org.as_deref() == owner
        && serde_json::from_str::<Value>(&task.body)
            .ok()
            .is_some_and(|t| {
                t["code"]["coding"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["system"] == TASK_KIND_SYSTEM && c["code"] == LETTER_READ_KIND)
            })
}

/// Whether a receipt Task says the letter was read.
pub fn receipt_is_read(task: &StoredResource) -> bool {
    !task.deleted
        && serde_json::from_str::<Value>(&task.body)
            .ok()
            .is_some_and(|t| t["status"] == "completed")
}

/// The sending unit as a Reference: the letter's custodian if it names an
/// Organization by reference, else the stored Organization of the owner's orgnr
/// (`org_id`, so the unit's inbox `Task?owner=Organization/{id}` finds it), else the
/// orgnr as an identifier.
fn unit_reference(letter: &Value, owner: Option<&str>, org_id: Option<&str>) -> Value {
    match (letter.get("custodian"), org_id, owner) {
        (Some(c), _, _)
            if c["reference"]
                .as_str()
                .is_some_and(|r| r.starts_with("Organization/")) =>
        {
            c.clone()
        }
        (_, Some(id), _) => json!({"reference": format!("Organization/{id}")}),
        (_, _, Some(orgnr)) => json!({"identifier": {"system": ORGNR_SYSTEM, "value": orgnr}}),
        _ => json!({"display": "unknown unit"}),
    }
}

/// Who read, without their national id (everyone who sees the letter sees the
/// receipt): the patient's own record, else the RelatedPerson that denotes the reader
/// in the patient's record, else only the reader's role (parent, guardian, proxy).
fn reader_reference(patient_id: &str, relations: &[Relation]) -> Value {
    let held = || relations.iter().filter(|r| r.holds());
    if held().any(|r| r.kind == RelationKind::Myself) {
        return json!({"reference": format!("Patient/{patient_id}")});
    }
    if let Some(rp) = held().find_map(|r| r.related_person.as_deref()) {
        // The policy names it as a reference (`RelatedPerson/{id}`).
        let reference = if rp.starts_with("RelatedPerson/") {
            rp.to_owned()
        } else {
            format!("RelatedPerson/{rp}")
        };
        return json!({"reference": reference});
    }
    let role = match held().next().map(|r| r.kind) {
        Some(k) if k.is_parent_like() => "parent",
        Some(RelationKind::Proxy(_)) => "proxy",
        _ => "representative",
    };
    json!({"display": role})
}

/// The receipt Task: completed, focus the letter, `for` the patient, owned by the unit.
fn receipt(letter_id: &str, patient_id: &str, reader: Value, owner: Value, now: &str) -> Value {
    json!({
        "resourceType": "Task",
        "id": receipt_id(letter_id),
        // The receipt is for the unit: never news to the citizen who just read.
        "meta": {"tag": [{"system": NOTIFICATION_TAG_SYSTEM, "code": "do-not-notify"}]},
        "status": "completed",
        "businessStatus": {"coding": [{"system": TASK_KIND_SYSTEM, "code": "read"}], "text": "Lest"},
        "intent": "order",
        "code": {"coding": [{"system": TASK_KIND_SYSTEM, "code": LETTER_READ_KIND}], "text": "Brev lest"},
        "focus": {"reference": format!("DocumentReference/{letter_id}")},
        "for": {"reference": format!("Patient/{patient_id}")},
        "owner": owner,
        "authoredOn": now,
        "lastModified": now,
        "executionPeriod": {"end": now},
        "output": [{"type": {"text": "read-by"}, "valueReference": reader}]
    })
}

impl FhirStore {
    /// The id of the stored Organization with this orgnr, if exactly one (directory
    /// data, § 4: read as the store itself, nothing of a patient is involved).
    pub(crate) async fn organization_id(
        &self,
        ctx: &RequestContext,
        orgnr: &str,
    ) -> StoreResult<Option<String>> {
        let pairs = [("identifier".to_owned(), format!("{ORGNR_SYSTEM}|{orgnr}"))];
        let request = self.parse_search("Organization", &pairs, false)?;
        let loader = crate::notify::decide::notifier_ctx(ctx.now);
        let hits = self.backend.search(&loader, &request.plan).await?;
        Ok(match hits.as_slice() {
            [one] => Some(one.key.id.clone()),
            _ => None,
        })
    }

    /// Called by the paths that *show* a letter to a citizen — the portal's letter
    /// page and `GET DocumentReference/{id}` over FHIR — after their read succeeded:
    /// writes the receipt if the item is a letter the citizen sees in full. Never fails
    /// the caller: a failure is logged and the next opening tries again.
    pub async fn note_letter_opened(&self, ctx: &RequestContext, letter_id: &str) {
        if !matches!(ctx.principal, Principal::Citizen { .. }) {
            return;
        }
        let key = ResourceKey::new("DocumentReference", letter_id);
        let result = match self.backend.read_current(ctx, &key).await {
            Ok(Some(stored)) if !stored.deleted => self.mark_letter_read(ctx, &stored).await,
            Ok(_) => Ok(false),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, request_id = %ctx.request_id, "letter read receipt not recorded");
        }
    }

    /// Records that the citizen of `ctx` read `letter` (already shown to them in full
    /// by a read). `Ok(false)` if it was read before (by anyone); never for others.
    pub async fn mark_letter_read(
        &self,
        ctx: &RequestContext,
        letter: &StoredResource,
    ) -> StoreResult<bool> {
        let Principal::Citizen { .. } = &ctx.principal else {
            return Ok(false);
        };
        let Some(patient_id) = letter.columns.patient_id.clone() else {
            return Ok(false);
        };
        if !is_letter(letter) {
            return Ok(false);
        }
        let key = ResourceKey::new("Task", receipt_id(&letter.id));
        if let Some(existing) = self.backend.read_current(ctx, &key).await? {
            // Only the sending unit's own receipt counts; anything else under the id
            // (reserved for the store: docs/letters.md) is logged and left alone.
            if !receipt_of(&existing, letter.columns.owner_org.as_deref()) {
                tracing::warn!(task = %key.id, request_id = %ctx.request_id,
                    "a stored Task holds a letter receipt's id but is not the unit's receipt");
            }
            return Ok(false);
        }
        let body = parse_body(letter)?;
        let gate = self.gate(ctx, [&letter.columns]).await?;
        // Only a letter shown in full was read (not one seen as metadata).
        if nordlys_policy::may_act(gate.principal(), &gate.decide(&letter.columns)).is_err() {
            return Ok(false);
        }
        let relations = gate
            .view(&patient_id)
            .map(|v| v.relations.clone())
            .unwrap_or_default();
        let now = ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let owner = letter.columns.owner_org.clone();
        let org_id = match owner.as_deref() {
            Some(orgnr) => self.organization_id(ctx, orgnr).await?,
            None => None,
        };
        let task = receipt(
            &letter.id,
            &patient_id,
            reader_reference(&patient_id, &relations),
            unit_reference(&body, owner.as_deref(), org_id.as_deref()),
            &now,
        );
        let write = prepare_write(task, "Task", &key.id, owner, Precondition::MustNotExist)?;
        let gate = self.gate(ctx, [&write.columns]).await?;
        // § 10: a citizen acts only on what they see in full (the letter's row).
        if nordlys_policy::may_act(gate.principal(), &gate.decide(&write.columns)).is_err() {
            return Ok(false);
        }
        let mut writes = vec![write];
        writes.extend(self.audits_for_writes(ctx, &writes, &[true])?);
        match self.commit_writes(ctx, writes).await {
            Ok(_) => Ok(true),
            // Someone else's opening recorded it first.
            Err(StoreError::PreconditionFailed(_)) | Err(StoreError::Conflict(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relation(kind: RelationKind, rp: Option<&str>) -> Relation {
        Relation {
            kind,
            related_person: rp.map(str::to_owned),
            grant: None,
            refusal: None,
        }
    }

    #[test]
    fn receipt_names_the_letter_patient_unit_and_reader() {
        let letter = json!({"custodian": {"reference": "Organization/unn"}});
        let owner = unit_reference(&letter, Some("974795787"), Some("other"));
        let t = receipt(
            "l1",
            "p1",
            reader_reference("p1", &[relation(RelationKind::Myself, None)]),
            owner,
            "2026-12-07T10:00:00Z",
        );
        assert_eq!(t["id"], "letter-read-l1");
        assert_eq!(t["focus"]["reference"], "DocumentReference/l1");
        assert_eq!(t["for"]["reference"], "Patient/p1");
        assert_eq!(t["owner"]["reference"], "Organization/unn");
        assert_eq!(t["output"][0]["valueReference"]["reference"], "Patient/p1");
        let t = receipt(
            "l1",
            "p1",
            reader_reference(
                "p1",
                &[relation(RelationKind::Parent, Some("RelatedPerson/mor"))],
            ),
            unit_reference(&json!({}), Some("974795787"), None),
            "x",
        );
        assert_eq!(t["owner"]["identifier"]["value"], "974795787");
        assert_eq!(
            t["output"][0]["valueReference"],
            json!({"reference": "RelatedPerson/mor"})
        );
        let by_id = unit_reference(
            &json!({"custodian": {"display": "x"}}),
            Some("9"),
            Some("unn"),
        );
        assert_eq!(by_id["reference"], "Organization/unn");
    }

    /// Finding 11d: the receipt never carries the reader's national id; without a
    /// RelatedPerson it names only the role.
    #[test]
    fn receipt_reader_is_never_a_national_id() {
        let guardian = relation(RelationKind::Guardian, None);
        assert_eq!(
            reader_reference("p1", &[guardian]),
            json!({"display": "parent"})
        );
        let mut refused = relation(RelationKind::Myself, None);
        refused.refusal = Some(nordlys_policy::Refusal::NoResponsibility);
        assert_eq!(
            reader_reference("p1", &[refused]),
            json!({"display": "representative"})
        );
    }
}
