//! A way to reach a person, and what can go wrong on it.
//!
//! Why the message is plain text with a subject: both channels carry the same few
//! words; an SMS simply has no subject. The recipient's address comes with the
//! message, chosen by the deliverer from the person's record.
use async_trait::async_trait;

/// Which address of a person a channel needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Email,
    Sms,
}

/// One message to one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// An e-mail address or a mobile number, as the channel's kind needs.
    pub to: String,
    /// The subject (e-mail only).
    pub subject: String,
    /// The text.
    pub text: String,
}

/// Why a message was not sent. Every kind is retried with backoff by the deliverer:
/// a refused address may be corrected in the person's record meanwhile.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeliveryError {
    /// The address or the configuration cannot be used as given.
    #[error("invalid address or setting: {0}")]
    Invalid(String),
    /// The server or gateway answered and refused the message.
    #[error("refused: {0}")]
    Refused(String),
    /// The server or gateway could not be reached or did not answer in time.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// A way to send a message.
#[async_trait]
pub trait Channel: Send + Sync {
    /// The kind of address this channel sends to.
    fn kind(&self) -> ChannelKind;
    /// Sends one message; `Ok` once the server or gateway accepted it.
    async fn send(&self, message: &Message) -> Result<(), DeliveryError>;
}
