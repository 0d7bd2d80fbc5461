//! The storage layer's contract: the request context every call carries, the write
//! and search model, the [`Backend`] trait each database implements, and
//! [`FhirStore`], the one generic layer that validates, indexes, applies the access
//! policy and paginates on top of any backend.
//!
//! Why this split (after atuin and Blaze): a backend knows SQL and nothing of FHIR
//! rules; the generic layer knows FHIR rules and nothing of SQL. Every public call
//! takes a [`RequestContext`]; the one path without a principal is named
//! `unchecked_*` and is used only by import and migration.

pub mod access;
pub mod audit;
pub mod backend;
pub mod context;
pub mod error;
mod interactions;
pub mod model;
pub mod notify;
pub mod outcome;
pub mod search;
pub mod service;
pub mod subscriptions;

pub use backend::{Backend, Committed};
pub use context::RequestContext;
pub use error::{StoreError, StoreResult};
pub use interactions::appointment_rules;
pub use interactions::booking_parts::{CANCEL_DEADLINE_URL, DEFAULT_DEADLINE_HOURS};
pub use interactions::dialog::{NewThread, MAX_TEXT_CHARS};
pub use interactions::dialog_attach::{Upload, ALLOWED_TYPES, MAX_ATTACHMENT_BYTES};
pub use interactions::dialog_open::OpenThread;
pub use interactions::dialog_parts as dialog;
pub use interactions::dialog_unit::{DialogChange, DialogUnit};
pub use interactions::explain::{relation_code, Explanation};
pub use interactions::forms_parts::{
    FormAnswer, FormReceipt, RECEIVING_UNIT_URL, TRIAGE_SCORE_URL,
};
pub use interactions::represent::Represented;
pub use interactions::research::{StudyAnswer, StudyOutcome};
pub use interactions::research_list::StudyChoice;
pub use interactions::thresholds::{
    bands_of, readings, Band, THRESHOLD_CATEGORY_CODE, THRESHOLD_CATEGORY_SYSTEM,
};
pub use model::{
    HistoryQuery, ItemColumns, PendingWrite, Precondition, ResourceKey, StoredResource,
};
pub use notify::{OutboxEntry, Settle};
pub use search::{Clause, Condition, SearchPlan, SortKey};
pub use service::{FhirStore, ImportReport, StoreConfig, WriteOutcome};
