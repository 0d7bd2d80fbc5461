//! One module per FHIR interaction, each an `impl FhirStore` block (after Blaze):
//! read/vread, create/update/delete, search, history, batch/transaction,
//! `$everything` and import. All of them go through [`crate::access::AccessGate`].

mod appointment_guidance;
pub mod appointment_rules;
mod booking;
mod booking_cancel;
pub mod booking_parts;
mod bundle;
mod careplan;
pub mod careplan_handover;
pub mod careplan_parts;
pub mod dialog;
pub mod dialog_attach;
mod dialog_inbox;
pub mod dialog_open;
pub mod dialog_parts;
pub mod dialog_unit;
mod everything;
pub(crate) mod explain;
mod explain_many;
mod forms;
pub mod forms_parts;
mod grant_reach;
mod history;
mod import;
pub mod letters;
mod logging;
mod measurements;
pub(crate) mod prepare;
mod read;
pub(crate) mod represent;
pub mod research;
pub mod research_cancel;
pub mod research_list;
mod search;
pub mod thresholds;
pub(crate) mod write;
