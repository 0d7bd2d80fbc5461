//! Turning a resource into a [`PendingWrite`]: check, validate, index, and record
//! the facts the policy needs. Shared by create, update, bundles and import, so every
//! write path validates and indexes the same way.
use nordlys_fhir::{
    definitions, extract_index, validate_resource, IndexEntry, IndexValue, Issue, IssueSeverity,
};
use serde_json::Value;

use crate::error::{StoreError, StoreResult};
use crate::model::{content_hash, ItemColumns, PendingWrite, Precondition};

/// A FHIR id: 1–64 of `[A-Za-z0-9-.]`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// The resource type named in the body, if it is one we know.
pub fn resource_type_of(resource: &Value) -> StoreResult<String> {
    let Some(rt) = resource.get("resourceType").and_then(Value::as_str) else {
        return Err(StoreError::BadRequest(
            "the body is not a FHIR resource: resourceType is missing".into(),
        ));
    };
    if !definitions().is_resource_type(rt) {
        return Err(StoreError::UnknownType(rt.to_string()));
    }
    Ok(rt.to_string())
}

fn issue(code: &'static str, expression: &str, diagnostics: String) -> Issue {
    Issue {
        severity: IssueSeverity::Error,
        code,
        expression: expression.to_string(),
        diagnostics,
    }
}

/// The patient whose compartment holds the resource, from its index entries.
fn patient_of(
    resource_type: &str,
    id: &str,
    index: &[IndexEntry],
    work_item: bool,
) -> Option<String> {
    if resource_type == "Patient" {
        return Some(id.to_string());
    }
    let params = definitions().patient_compartment_params(resource_type);
    // R4's Patient compartment leaves out Device, but a Device with `patient` (a home
    // monitoring device) belongs to that patient's record (docs/access-policy.md).
    // Nor does it hold Task; but every Nordlys work item (`Task.for` the patient, a
    // task-kind code of `nordlys_policy::TASK_KINDS`) is part of that patient's record:
    // left patient-less it would be decided against nobody, so blocks, shields and
    // reservations would not protect it and its reads would leave no AuditEvent. The
    // § 6 row of the service it serves decides it (docs/access-policy.md).
    let device_patient = ["patient".to_string()];
    let params: &[String] = if resource_type == "Device" || work_item {
        &device_patient
    } else {
        params
    };
    index.iter().find_map(|e| match &e.value {
        IndexValue::Reference {
            target_type: Some(t),
            target_id: Some(pid),
            ..
        } if t == "Patient" && params.iter().any(|p| p == &e.param) => Some(pid.clone()),
        _ => None,
    })
}

/// The task-kind code of a Nordlys work item (a Task with a code of
/// `nordlys_policy::TASK_KINDS`: dialog thread, form request/answer, threshold,
/// hand-over, letter receipt, …), if the resource is one.
fn work_item_kind<'a>(resource_type: &str, resource: &'a Value) -> Option<&'a str> {
    if resource_type != "Task" {
        return None;
    }
    resource
        .pointer("/code/coding")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| {
            c.get("system").and_then(Value::as_str) == Some(nordlys_policy::TASK_KIND_SYSTEM)
        })
        .filter_map(|c| c.get("code").and_then(Value::as_str))
        .find(|code| nordlys_policy::TASK_KINDS.iter().any(|(k, _)| k == code))
}

/// Work items addressed to the citizen as well as the unit: a dialog thread, a form
/// the unit asks them to fill. The other kinds (a delivered form, a threshold alarm, a
/// hand-over, a read receipt, an appointment task) are the unit's own work: the
/// citizen may see them under their service's § 6 row, but they are never news to
/// the citizen (no notice; the item they are about was already announced).
const CITIZEN_FACING_KINDS: [&str; 2] = ["dialog", "form-request"];

/// The internal parameter linking a DocumentReference to the Binary it carries, so a
/// Binary is decided through its document (access-policy.md § 1: content follows the
/// document, and reads as `none` at `metadata`).
pub const BINARY_LINK_PARAM: &str = "_binary";

/// `Binary/id` references a DocumentReference carries.
pub(crate) fn binary_targets(document: &Value) -> Vec<String> {
    binary_links(document)
        .into_iter()
        .filter_map(|e| match e.value {
            IndexValue::Reference {
                target_id: Some(id),
                ..
            } => Some(format!("Binary/{id}")),
            _ => None,
        })
        .collect()
}

fn binary_links(document: &Value) -> Vec<IndexEntry> {
    let mut out = Vec::new();
    // A DocumentReference's `content.attachment`, a dialog message's
    // `payload.contentAttachment` (docs/dialog.md): the Binary follows its carrier.
    let (list, pointer) = match document.get("resourceType").and_then(Value::as_str) {
        Some("Communication") => ("payload", "/contentAttachment/url"),
        _ => ("content", "/attachment/url"),
    };
    for content in document
        .get(list)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(url) = content.pointer(pointer).and_then(Value::as_str) else {
            continue;
        };
        let Some(id) = url
            .rsplit_once("Binary/")
            .map(|(_, id)| id)
            .filter(|id| is_valid_id(id))
        else {
            continue;
        };
        out.push(IndexEntry {
            param: BINARY_LINK_PARAM.to_string(),
            value: IndexValue::Reference {
                target_type: Some("Binary".into()),
                target_id: Some(id.to_string()),
                url: url.to_string(),
            },
        });
    }
    out
}

/// Validates `resource` (whose `id` is set to `id`) and builds the write.
pub fn prepare_write(
    mut resource: Value,
    resource_type: &str,
    id: &str,
    owner_org: Option<String>,
    precondition: Precondition,
) -> StoreResult<PendingWrite> {
    if !is_valid_id(id) {
        return Err(StoreError::Invalid(vec![issue(
            "value",
            &format!("{resource_type}.id"),
            format!("'{id}' is not a valid id"),
        )]));
    }
    let Value::Object(map) = &mut resource else {
        return Err(StoreError::BadRequest(
            "a resource must be a JSON object".into(),
        ));
    };
    map.insert("id".into(), Value::String(id.to_string()));
    validate_resource(&resource).map_err(StoreError::Invalid)?;
    let mut index = extract_index(&resource);
    if resource_type == "DocumentReference" || resource_type == "Communication" {
        index.extend(binary_links(&resource));
    }
    let mut facts = nordlys_policy::item_facts(&resource, chrono::Utc::now(), owner_org.as_deref());
    let kind = work_item_kind(resource_type, &resource);
    if kind.is_some_and(|k| !CITIZEN_FACING_KINDS.contains(&k)) {
        facts.do_not_notify = true;
    }
    let facts = serde_json::to_string(&facts)
        .map_err(|e| StoreError::Internal(format!("item facts: {e}")))?;
    let columns = ItemColumns {
        patient_id: patient_of(resource_type, id, &index, kind.is_some()),
        owner_org,
        facts: Some(facts),
    };
    Ok(PendingWrite {
        resource_type: resource_type.to_string(),
        id: id.to_string(),
        precondition,
        content_hash: content_hash(&resource),
        resource: Some(resource),
        index,
        columns,
        skip_if_unchanged: false,
        chained: false,
    })
}

/// A logical delete.
pub fn prepare_delete(resource_type: &str, id: &str, columns: ItemColumns) -> PendingWrite {
    PendingWrite {
        resource_type: resource_type.to_string(),
        id: id.to_string(),
        precondition: Precondition::Any,
        resource: None,
        index: Vec::new(),
        columns,
        content_hash: String::new(),
        skip_if_unchanged: false,
        chained: false,
    }
}
