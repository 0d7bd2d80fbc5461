//! Delivery of the notification outbox (access-policy.md § 11, issue 5 § 6): e-mail
//! over SMTP and SMS through an HTTP gateway, telling a person only that there is news
//! of some kind in Nordlys helse, never what it is about.
//!
//! Why a crate of its own that knows no SQL and no HTTP server: what is due, who may be
//! told and how to reach them are the store's answers (the outbox, the read gate, the
//! person's record); this crate only turns an entry into a message, sends it through a
//! [`Channel`] and reports the outcome back. Channels are traits so tests and other
//! gateways plug in without touching the loop.
//!
//! - [`channel`]: the [`Channel`] trait, the message and the delivery error.
//! - [`email`]: e-mail over SMTP (lettre).
//! - [`sms`]: SMS through an HTTP gateway (JSON `{to, text}` with a bearer key).
//! - [`texts`]: the few message texts per kind and language.
//! - [`deliver`]: the [`Deliverer`] loop with retries and backoff.
pub mod channel;
pub mod deliver;
pub mod email;
pub mod sms;
pub mod texts;

pub use channel::{Channel, ChannelKind, DeliveryError, Message};
pub use deliver::{Backoff, Deliverer, DeliveryConfig, RoundReport};
pub use email::SmtpChannel;
pub use sms::SmsGateway;
pub use texts::Lang;
