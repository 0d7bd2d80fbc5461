//! One module per FHIR interaction, each an `impl FhirStore` block (after Blaze):
//! read/vread, create/update/delete, search, history, batch/transaction,
//! `$everything` and import. All of them go through [`crate::access::AccessGate`].

mod booking;
mod booking_cancel;
pub mod booking_parts;
mod bundle;
mod everything;
mod forms;
pub mod forms_parts;
pub(crate) mod explain;
mod explain_many;
mod grant_reach;
mod history;
mod import;
mod logging;
pub(crate) mod prepare;
mod read;
pub(crate) mod represent;
pub mod research;
pub mod research_list;
mod search;
mod write;
