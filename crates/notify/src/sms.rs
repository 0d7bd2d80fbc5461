//! SMS through an HTTP gateway: `POST {url}` with JSON `{"to": number, "text": text}`
//! and `Authorization: Bearer {key}`; any 2xx answer means the gateway took it.
//!
//! Why this shape: SMS providers differ in detail but all accept a number, a text and
//! a key over HTTPS; a small adapter in front of a provider speaks this, so Nordlys
//! needs no provider's SDK.
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;

use crate::channel::{Channel, ChannelKind, DeliveryError, Message};

/// How long one gateway request may take.
const GATEWAY_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends SMS through one HTTP gateway.
pub struct SmsGateway {
    client: reqwest::Client,
    url: String,
    key: String,
}

impl SmsGateway {
    /// A channel to the gateway at `url` (http or https) with bearer key `key`.
    pub fn new(url: &str, key: &str) -> Result<SmsGateway, DeliveryError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(DeliveryError::Invalid(format!(
                "SMS gateway {url}: not an http(s) URL"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(GATEWAY_TIMEOUT)
            .build()
            .map_err(|e| DeliveryError::Invalid(format!("HTTP client: {e}")))?;
        Ok(SmsGateway {
            client,
            url: url.to_string(),
            key: key.to_string(),
        })
    }
}

#[async_trait]
impl Channel for SmsGateway {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Sms
    }

    async fn send(&self, message: &Message) -> Result<(), DeliveryError> {
        let response = self
            .client
            .post(&self.url)
            .bearer_auth(&self.key)
            .json(&json!({"to": message.to, "text": message.text}))
            .send()
            .await
            .map_err(|e| DeliveryError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else if status.is_server_error() || status.as_u16() == 429 {
            Err(DeliveryError::Unavailable(format!(
                "gateway answered {status}"
            )))
        } else {
            Err(DeliveryError::Refused(format!("gateway answered {status}")))
        }
    }
}
