//! E-mail over SMTP with lettre.
//!
//! Why a URL: lettre reads host, port, credentials and TLS from one: `smtp://host:25`
//! (plain, e.g. a local relay), `smtp://user:pass@host:587?tls=required` (STARTTLS),
//! `smtps://host:465` (TLS from the start). TLS uses rustls, already in the build.
//! Why 8bit bodies: the texts are short UTF-8 lines (æøå, Sámi letters); sent as they
//! are they stay readable in the raw mail; servers announce 8BITMIME, which lettre
//! then declares.
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::channel::{Channel, ChannelKind, DeliveryError, Message};

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends e-mail through one SMTP server.
pub struct SmtpChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpChannel {
    /// A channel to the server at `url`, sending as `from` (`Name <addr>` or `addr`).
    pub fn new(url: &str, from: &str) -> Result<SmtpChannel, DeliveryError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| DeliveryError::Invalid(format!("SMTP URL {url}: {e}")))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from
            .parse()
            .map_err(|e| DeliveryError::Invalid(format!("sender {from}: {e}")))?;
        Ok(SmtpChannel { transport, from })
    }
}

#[async_trait]
impl Channel for SmtpChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    async fn send(&self, message: &Message) -> Result<(), DeliveryError> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|e| DeliveryError::Invalid(format!("recipient: {e}")))?;
        // 8bit needs CRLF line ends and short lines; the texts have both once their
        // LFs are CRLFs. Should one ever not fit, lettre chooses an encoding itself.
        let crlf = message.text.replace("\r\n", "\n").replace('\n', "\r\n");
        let body = Body::new_with_encoding(crlf, ContentTransferEncoding::EightBit)
            .unwrap_or_else(Body::new);
        let mail = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| DeliveryError::Invalid(e.to_string()))?;
        match self.transport.send(mail).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(DeliveryError::Refused(e.to_string())),
            Err(e) => Err(DeliveryError::Unavailable(e.to_string())),
        }
    }
}
