//! A citizen's own choice of notification channels (issue 5 § 6: "a citizen chooses
//! channels in settings"): e-mail on/off, SMS on/off.
//!
//! Why a `Basic` resource of no patient: the choice belongs to the *person notified*,
//! not to a patient record — a parent's choice applies to news about their children
//! too, and a parent may have no Patient record at all (only RelatedPersons on the
//! children's). So it is keyed by the person: one `Basic` (code
//! `notification-preferences`) with a fixed id derived from a hash of the national id
//! (the id never shows the number itself), no subject, no owner organisation. Citizens
//! cannot write FHIR resources; this dedicated operation writes only the caller's own
//! choice, for themself. It is read without logging by the deliverer, like the contact
//! details it narrows ([`FhirStore::contact_of`]): nobody is shown anything.
//!
//! Why "no record = both on": before anyone chose, the channel rule of the deliverer
//! applies unchanged (every configured channel with an address on file).
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::decide::notifier_ctx;
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::interactions::prepare::prepare_write;
use crate::model::{Precondition, ResourceKey};
use crate::service::FhirStore;

/// `Basic.code` system of Nordlys' own records.
pub const BASIC_KIND_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/basic-kind";
const EMAIL_URL: &str = "https://nordlys.no/fhir/StructureDefinition/notify-by-email";
const SMS_URL: &str = "https://nordlys.no/fhir/StructureDefinition/notify-by-sms";

/// Which channels a person lets Nordlys use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channels {
    pub email: bool,
    pub sms: bool,
}

impl Default for Channels {
    /// Before any choice: every channel.
    fn default() -> Self {
        Channels {
            email: true,
            sms: true,
        }
    }
}

/// The id of a person's preferences record.
fn preferences_id(pid: &str) -> String {
    let digest = hex::encode(Sha256::digest(format!("nordlys-notify:{pid}").as_bytes()));
    format!("notification-preferences-{}", &digest[..32])
}

fn flag(body: &Value, url: &str) -> bool {
    body["extension"]
        .as_array()
        .and_then(|es| es.iter().find(|e| e["url"] == url))
        .and_then(|e| e["valueBoolean"].as_bool())
        .unwrap_or(true)
}

fn record(id: &str, c: Channels, now: &str) -> Value {
    json!({"resourceType": "Basic", "id": id,
        "code": {"coding": [{"system": BASIC_KIND_SYSTEM, "code": "notification-preferences"}]},
        "created": now,
        "extension": [{"url": EMAIL_URL, "valueBoolean": c.email},
            {"url": SMS_URL, "valueBoolean": c.sms}]})
}

impl FhirStore {
    /// The channels the person with national id `pid` allows (all, if never chosen).
    pub async fn channels_of(&self, pid: &str) -> StoreResult<Channels> {
        let ctx = notifier_ctx(chrono::Utc::now());
        let key = ResourceKey::new("Basic", preferences_id(pid));
        let Some(stored) = self.backend.read_current(&ctx, &key).await? else {
            return Ok(Channels::default());
        };
        if stored.deleted {
            return Ok(Channels::default());
        }
        let body: Value = serde_json::from_str(&stored.body)
            .map_err(|e| StoreError::Internal(format!("preferences unreadable: {e}")))?;
        Ok(Channels {
            email: flag(&body, EMAIL_URL),
            sms: flag(&body, SMS_URL),
        })
    }

    /// The calling citizen's own channel choice (their national id from the login;
    /// never someone else's, whoever they act for).
    pub async fn my_channels(&self, ctx: &RequestContext) -> StoreResult<Channels> {
        self.channels_of(citizen_pid(ctx)?).await
    }

    /// Records the calling citizen's own channel choice.
    pub async fn set_my_channels(&self, ctx: &RequestContext, c: Channels) -> StoreResult<()> {
        let pid = citizen_pid(ctx)?;
        let id = preferences_id(pid);
        let key = ResourceKey::new("Basic", &id);
        let loader = notifier_ctx(ctx.now);
        let precondition = match self.backend.read_current(&loader, &key).await? {
            Some(s) => Precondition::VersionIs(s.version),
            None => Precondition::MustNotExist,
        };
        let now = ctx.now.format("%Y-%m-%d").to_string();
        let write = prepare_write(record(&id, c, &now), "Basic", &id, None, precondition)?;
        self.commit_writes(ctx, vec![write]).await?;
        Ok(())
    }
}

fn citizen_pid(ctx: &RequestContext) -> StoreResult<&str> {
    match &ctx.principal {
        nordlys_policy::Principal::Citizen { pid, .. } => Ok(pid),
        _ => Err(StoreError::Forbidden(
            "only a citizen chooses their own notification channels".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_hide_the_number_and_flags_default_on() {
        let id = preferences_id("01010112345");
        assert!(!id.contains("01010112345"));
        assert_eq!(id, preferences_id("01010112345"));
        assert_ne!(id, preferences_id("01010112346"));
        let r = record(
            &id,
            Channels {
                email: true,
                sms: false,
            },
            "x",
        );
        assert!(flag(&r, EMAIL_URL) && !flag(&r, SMS_URL));
        assert!(flag(&json!({}), SMS_URL));
    }
}
