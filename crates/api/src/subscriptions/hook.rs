//! The rest-hook channel (R4): without `channel.payload` an empty `POST` to the
//! endpoint; with it, the resource as the owner sees it, `PUT` to
//! `{endpoint}/{type}/{id}`. The subscription's `channel.header`s go with each
//! request; any 2xx is delivered (a 3xx is a failure: redirects are not followed,
//! see `guard`).
//!
//! Why the `X-Nordlys-Event` header on the empty POST: R4's empty notification says
//! only "something matched", which makes every receiver re-run its search; the
//! header names the item and version (`Type/id/_history/n`) and nothing else — the
//! "id-only" content of later FHIR versions, safe because the owner may see the item.
use nordlys_store::subscriptions::{check_endpoint, EndpointRule, SubEvent, SubscriptionInfo};
use nordlys_store::StoredResource;
use reqwest::header::{HeaderName, HeaderValue};

use super::Attempt;

pub(crate) async fn send(
    http: &reqwest::Client,
    rule: EndpointRule,
    sub: &SubscriptionInfo,
    ev: &SubEvent,
    resource: &StoredResource,
) -> Attempt {
    let Some(endpoint) = sub.endpoint.as_deref() else {
        return Attempt::Failed("no endpoint".into());
    };
    // Checked again: the operator's rule may have narrowed since the write.
    if let Err(why) = check_endpoint(endpoint, rule) {
        return Attempt::Failed(why.into());
    }
    let mut request = match &sub.payload {
        None => http.post(endpoint).header(
            "x-nordlys-event",
            format!(
                "{}/{}/_history/{}",
                ev.resource_type, ev.id, resource.version
            ),
        ),
        Some(mime) => http
            .put(format!(
                "{}/{}/{}",
                endpoint.trim_end_matches('/'),
                ev.resource_type,
                ev.id
            ))
            .header("content-type", mime.as_str())
            .body(resource.body.clone()),
    };
    request = request.header("x-nordlys-subscription", sub.id.as_str());
    for line in &sub.headers {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_str(value.trim()),
        ) else {
            continue;
        };
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(r) if r.status().is_success() => Attempt::Delivered,
        Ok(r) => Attempt::Failed(format!("the endpoint answered {}", r.status().as_u16())),
        // No detail of the receiver's network in the stored error text.
        Err(e) if e.is_timeout() => Attempt::Failed("the endpoint did not answer in time".into()),
        Err(_) => Attempt::Failed("the endpoint could not be reached".into()),
    }
}
