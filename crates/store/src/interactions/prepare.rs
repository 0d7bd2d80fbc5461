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
    dialog_thread: bool,
) -> Option<String> {
    if resource_type == "Patient" {
        return Some(id.to_string());
    }
    let params = definitions().patient_compartment_params(resource_type);
    // R4's Patient compartment leaves out Device, but a Device with `patient` (a home
    // monitoring device) belongs to that patient's record (docs/access-policy.md).
    // Nor does it hold Task; a dialog thread (`Task.for` the patient, task-kind
    // `dialog`) is part of that patient's record, decided by § 6's dialog row, so the
    // citizen (a youth as participant) sees their own thread (docs/dialog.md). Other
    // work-item kinds keep R4's rule until their services want them in the record.
    let device_patient = ["patient".to_string()];
    let params: &[String] = if resource_type == "Device" || dialog_thread {
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

/// A dialog thread: a Task with the Nordlys task-kind code `dialog`.
fn is_dialog_thread(resource_type: &str, resource: &Value) -> bool {
    resource_type == "Task"
        && resource
            .pointer("/code/coding")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|c| {
                c.get("system").and_then(Value::as_str) == Some(nordlys_policy::TASK_KIND_SYSTEM)
                    && c.get("code").and_then(Value::as_str) == Some("dialog")
            })
}

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
    let facts = nordlys_policy::item_facts(&resource, chrono::Utc::now(), owner_org.as_deref());
    let facts = serde_json::to_string(&facts)
        .map_err(|e| StoreError::Internal(format!("item facts: {e}")))?;
    let columns = ItemColumns {
        patient_id: patient_of(
            resource_type,
            id,
            &index,
            is_dialog_thread(resource_type, &resource)
                || super::letters::is_receipt(resource_type, &resource)
                || super::forms_parts::is_form_request(resource_type, &resource),
        ),
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
