//! Digital forms (digitale skjema, issue 6 § 2): the SDC subset Nordlys understands,
//! read from a FHIR Questionnaire; validation of a QuestionnaireResponse against it;
//! prefill from the patient's own data through named keys; triage scoring.
//!
//! Why a crate of its own with no HTTP or SQL: the same rules must hold in the store
//! (which refuses an invalid answer with a 422 naming the linkId), in the portal (which
//! shows the same errors next to the field) and in tests, and they are pure functions
//! of two JSON documents — fast to test exhaustively, impossible to bypass.
pub mod builtin;
mod enable;
mod model;
mod prefill;
mod score;
mod validate;

pub use enable::{answers_by_link_id, is_enabled};
pub use model::{AnswerOption, EnableWhen, Form, FormItem, ItemType, Operator};
pub use prefill::{patient_prefill, prefill_answers, PREFILL_KEYS, PREFILL_URL};
pub use score::{score, Priority, Triage, ORDINAL_URL, THRESHOLD_URL};
pub use validate::{validate, ErrorKind, FormError};
