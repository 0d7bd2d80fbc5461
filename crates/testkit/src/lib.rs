//! Shared test support: fixtures, the storage conformance suite run on every
//! backend, and helpers that start the real server. Tests import from here; fixtures
//! are never copied between test files.

pub mod appointments;
pub mod booking;
mod browserless;
pub mod careplan;
pub mod conformance;
pub mod dialog;
pub mod dialog_open;
pub mod fixtures;
pub mod forms;
pub mod forms_suite;
pub mod hook;
pub mod leak;
pub mod letters;
pub mod measurements;
pub mod notify;
pub mod oidc;
pub mod portal;
pub mod postgres;
pub mod research;
pub mod server;
pub mod sms;
pub mod smtp;
pub mod subscriptions;
pub mod workspace;
