//! The subscription path (docs/subscriptions.md): each system principal subscribes to
//! every resource type of the world with the bare type as criteria, and every item
//! "changes". The matcher must announce exactly the items the oracle lets that system
//! see (any level) — never one it may not see, and none missing.
use std::collections::{BTreeSet, HashSet};

use nordlys_policy::Principal;
use nordlys_store::subscriptions::{Change, SubscriptionInfo};

use super::check::{reason, Checker, Who};

impl Checker<'_> {
    pub async fn subscriptions(&mut self, who: &Who) {
        let Principal::System {
            client_id,
            orgnr,
            scopes,
        } = &who.principal
        else {
            return;
        };
        let types: BTreeSet<String> = self
            .world
            .items
            .iter()
            .map(|i| i.resource_type().to_string())
            .collect();
        for ty in types {
            let changes: Vec<Change> = self
                .world
                .items
                .iter()
                .filter(|i| i.resource_type() == ty)
                .enumerate()
                .map(|(n, i)| Change {
                    seq: i64::try_from(n).unwrap_or(0) + 1,
                    resource_type: ty.clone(),
                    id: i.id().to_string(),
                    version: i64::try_from(i.versions.len()).unwrap_or(1),
                })
                .collect();
            let sub = SubscriptionInfo {
                id: format!("leak-{client_id}-{ty}"),
                version: 1,
                status: "active".into(),
                criteria: ty.clone(),
                channel: "rest-hook".into(),
                endpoint: None,
                payload: None,
                headers: Vec::new(),
                end: None,
                client_id: Some(client_id.clone()),
                scopes: scopes.clone(),
                owner_org: Some(orgnr.clone()),
            };
            self.calls += 1;
            let path = format!("subscription {ty}");
            let got: HashSet<String> = match self
                .store
                .subscription_matches(&sub, &changes, self.oracle.now)
                .await
            {
                Ok(events) => events
                    .into_iter()
                    .map(|e| format!("{}/{}", e.resource_type, e.id))
                    .collect(),
                Err(e) => {
                    self.fail(who, &path, "-", format!("ERROR {e:?}"));
                    continue;
                }
            };
            for c in &changes {
                let reference = format!("{}/{}", c.resource_type, c.id);
                let d = self.expect(who, &reference, None);
                self.assertions += 1;
                match (d.visible(), got.contains(&reference)) {
                    (false, true) => self.fail(
                        who,
                        &path,
                        &reference,
                        format!("LEAK expected {}", reason(d)),
                    ),
                    (true, false) => self.fail(
                        who,
                        &path,
                        &reference,
                        format!("MISSING expected {}", reason(d)),
                    ),
                    _ => {}
                }
            }
        }
    }
}
