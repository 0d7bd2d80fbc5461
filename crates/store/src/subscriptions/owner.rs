//! Who a stored Subscription acts as, and what the server sets on every write of one.
//!
//! Why the server stamps the principal into the resource: the matcher later runs the
//! criteria as the subscription's owner, long after the creating request is gone. The
//! organisation is the server-recorded owner column; the client id and scopes are set
//! here from the token of the write (any client-supplied value is replaced), so a
//! client cannot widen what its subscription sees.
//!
//! Why a lease (`end` at most [`LEASE_HOURS`] ahead): Nordlys has no client registry
//! to revoke from; a token is checked when it is used. A rest-hook subscription is
//! therefore only as durable as the client's renewal (a `PUT` with a valid token
//! moves `end` again); a revoked client can no longer renew, and its events stop at
//! `end` at the latest. Websocket listeners present a valid token on every connect.
use chrono::{DateTime, Duration, Utc};
use nordlys_policy::Principal;
use serde_json::{json, Value};

use super::criteria::parse_criteria;
use super::endpoint::{check_endpoint, EndpointRule};
use crate::context::RequestContext;
use crate::error::{StoreError, StoreResult};
use crate::model::format_instant;
use crate::service::FhirStore;

/// Extension (valueString) with the client id of the owning system.
pub const CLIENT_EXTENSION: &str =
    "https://nordlys.no/fhir/StructureDefinition/subscription-client";
/// Extension (valueString, space separated) with the owning system's scopes.
pub const SCOPES_EXTENSION: &str =
    "https://nordlys.no/fhir/StructureDefinition/subscription-scopes";
/// Longest lease: `end` is at most this far ahead of the write.
pub const LEASE_HOURS: i64 = 24;

fn bad(msg: &str) -> StoreError {
    StoreError::BadRequest(msg.to_string())
}

impl FhirStore {
    /// Checks a Subscription about to be written by `ctx` and sets what the server
    /// owns: status (`requested`, or `off` when the client says so), no `error`, `end`
    /// within the lease, and the owner's client id and scopes.
    pub(crate) fn prepare_subscription(
        &self,
        ctx: &RequestContext,
        resource: &mut Value,
    ) -> StoreResult<()> {
        let Principal::System {
            client_id, scopes, ..
        } = &ctx.principal
        else {
            return Err(StoreError::Forbidden(
                "subscriptions are created by record systems (system clients)".into(),
            ));
        };
        let criteria = resource
            .get("criteria")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("Subscription.criteria is required"))?;
        parse_criteria(&self.config, criteria)?;
        check_channel(resource.get("channel"), self.config.subscription_endpoints)?;
        let Value::Object(map) = resource else {
            return Err(bad("a Subscription must be a JSON object"));
        };
        let off = map.get("status").and_then(Value::as_str) == Some("off");
        map.insert(
            "status".into(),
            json!(if off { "off" } else { "requested" }),
        );
        map.remove("error");
        let lease = ctx.now + Duration::hours(LEASE_HOURS);
        let end = map
            .get("end")
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
            .map_or(lease, |t| t.min(lease));
        map.insert("end".into(), json!(format_instant(end)));
        let mut extensions: Vec<Value> = map
            .get("extension")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter(|e| {
                        let url = e.get("url").and_then(Value::as_str);
                        url != Some(CLIENT_EXTENSION) && url != Some(SCOPES_EXTENSION)
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        extensions.push(json!({"url": CLIENT_EXTENSION, "valueString": client_id}));
        extensions.push(json!({"url": SCOPES_EXTENSION, "valueString": scopes.join(" ")}));
        map.insert("extension".into(), Value::Array(extensions));
        Ok(())
    }
}

/// `rest-hook` (an endpoint `rule` allows, super::endpoint; payload `application/fhir+json` or none; headers
/// `Name: value`) or `websocket`. Other R4 channel types are not offered.
fn check_channel(channel: Option<&Value>, rule: EndpointRule) -> StoreResult<()> {
    let channel = channel.ok_or_else(|| bad("Subscription.channel is required"))?;
    match channel.get("type").and_then(Value::as_str) {
        Some("rest-hook") => {
            let endpoint = channel
                .get("endpoint")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("a rest-hook subscription needs channel.endpoint"))?;
            check_endpoint(endpoint, rule).map_err(bad)?;
        }
        Some("websocket") => {}
        _ => return Err(bad("channel.type must be rest-hook or websocket")),
    }
    match channel.get("payload").and_then(Value::as_str) {
        None | Some("application/fhir+json") | Some("application/json") => {}
        Some(_) => {
            return Err(bad(
                "channel.payload must be application/fhir+json or absent",
            ))
        }
    }
    for h in channel
        .get("header")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ok = h
            .as_str()
            .and_then(|s| s.split_once(':'))
            .is_some_and(|(name, value)| {
                !name.trim().is_empty()
                    && name
                        .trim()
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !value.contains(['\r', '\n'])
            });
        if !ok {
            return Err(bad("each channel.header must be 'Name: value'"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_checked() {
        let open = EndpointRule::OPEN;
        assert!(check_channel(
            Some(
                &json!({"type": "rest-hook", "endpoint": "https://ehr.example/hook",
            "payload": "application/fhir+json", "header": ["Authorization: Bearer x"]})
            ),
            EndpointRule::default()
        )
        .is_ok());
        assert!(check_channel(Some(&json!({"type": "websocket"})), open).is_ok());
        assert!(check_channel(
            Some(&json!({"type": "rest-hook", "endpoint": "http://ehr.example/hook"})),
            EndpointRule::default()
        )
        .is_err());
        for bad in [
            json!({"type": "email", "endpoint": "mailto:a@b"}),
            json!({"type": "rest-hook"}),
            json!({"type": "rest-hook", "endpoint": "ftp://x"}),
            json!({"type": "rest-hook", "endpoint": "http://x", "payload": "text/xml"}),
            json!({"type": "rest-hook", "endpoint": "http://x", "header": ["no colon"]}),
            json!({"type": "rest-hook", "endpoint": "http://x", "header": ["A: b\r\nX: y"]}),
        ] {
            assert!(check_channel(Some(&bad), open).is_err(), "{bad}");
        }
        assert!(check_channel(None, open).is_err());
    }
}
