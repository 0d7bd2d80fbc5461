//! The access policy of `access-policy.md`, as a pure function.
//!
//! Why pure: every channel (FHIR API, portal, notifications, access log) must reach the
//! same answer, and a decision must be testable as a table and explainable. So nothing
//! here does I/O or reads the clock: callers pass the principal, the facts about the
//! patient and the item, the grants and `now`, and get a level with a reason code.
//!
//! How to use it: once per patient, read [`patient_facts`], [`item_facts`] for each
//! item, a [`LinkGraph`] over them and [`grant_from_consent`] for each Consent; once per
//! principal, [`relation_candidates`]; then [`decide`] per item, [`redact_with`] for
//! metadata answers, and [`opens_at`] to schedule the notification of a deferred item.
//! The rules as implemented, and every choice where the spec is silent, are in
//! `docs/access-policy.md`.

mod act;
mod config;
mod decide;
mod error;
mod grant;
mod item;
mod json;
mod label;
mod level;
mod links;
mod patient;
mod plan;
pub mod principal;
mod reach;
mod reason;
mod redact;
mod relation;
mod study;
mod write;

pub use act::{may_act, ActRefusal};
pub use config::PolicyConfig;
pub use decide::{decide, intake_refusal, opens_at, Decision, DecisionInput, Redaction};
pub use error::GrantError;
pub use grant::{
    grant_from_consent, Actor, DataRef, Grant, GrantKind, ProxyScope, Strength,
    ACCESS_LEVEL_SYSTEM, CATEGORY_SYSTEM, GRANT_KIND_SYSTEM,
};
pub use item::{
    item_facts, reference_of, ItemFacts, DIRECTORY_TYPES, NOTIFICATION_TAG_SYSTEM,
    REQUISITION_CODES, TASK_KINDS, TASK_KIND_SYSTEM,
};
pub use json::Span;
pub use label::{
    Label, LabelSet, YouthSharing, DEFERRED_UNTIL_URL, LABEL_SYSTEM, YOUTH_SHARING_SYSTEM,
};
pub use level::{birthday, oslo_day_start, oslo_today, AgeBand, Category, CategorySet, Level};
pub use links::{LinkGraph, LinkNode};
pub use patient::{
    patient_facts, HomeAddress, PatientFacts, RelatedFacts, DNR_SYSTEM, FNR_SYSTEM, HPR_SYSTEM,
    ORGNR_SYSTEM, PARENTAL_RESPONSIBILITY_URL,
};
pub use plan::{may_hand_over, may_write, HandOverRefusal, CAREPLAN_SHARING};
pub use principal::{Principal, Purpose, SecurityLevel};
pub use reach::{may_grant_reach, may_relate};
pub use reason::{all_reason_prefixes, Deferral, Reason, Refusal};
pub use redact::{redact, redact_with, REDACTED_CODE, REDACTED_SYSTEM, VIDEO_LINK_URL};
pub use relation::{
    address_rule, names_citizen, relation_candidates, relations, representable, Relation,
    RelationKind,
};
pub use study::{may_send_for_study, studies_named, StudyRefusal};
pub use write::{may_change_grant, may_write_grant, Author};
