//! The rest-hook HTTP client: no redirects, a timeout, and a resolver that refuses
//! loopback, private and link-local addresses unless the operator allows them.
//!
//! Why here and not only when the Subscription is written: a public host name can
//! resolve to an internal address (or be changed to, after the check). The resolver
//! sees every address a connection would use; an endpoint with an address literal is
//! checked again before each send (`hook::send`). Why no redirects: a redirect would
//! carry the notification, headers included, to an address nobody checked; a 3xx
//! counts as a failed attempt.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use nordlys_store::subscriptions::EndpointRule;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Resolves with the system resolver and keeps only the addresses `rule` allows.
struct Guarded {
    rule: EndpointRule,
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let rule = self.rule;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| rule.allows_ip(a.ip()))
                .collect();
            if found.is_empty() {
                return Err("the endpoint resolves to no address this server may reach".into());
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// The client for rest-hook deliveries; an error when it cannot be built (no
/// silent fallback to a client without timeout or guard).
pub(crate) fn client(rule: EndpointRule, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .dns_resolver(Arc::new(Guarded { rule }))
        .build()
}
