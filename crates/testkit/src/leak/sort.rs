//! `_sort` as a leak path: sorting by a parameter a metadata view hides (an
//! Observation's `code`) must not place a masked item by its hidden value.
//!
//! Why a property and not an exact order: ties among unmasked items are ordered by the
//! backend; what must hold is that every masked item comes after every other item, in
//! id order, whatever its code.
use nordlys_policy::Level;
use nordlys_store::StoreError;

use super::check::{reason, Checker, Who};

impl Checker<'_> {
    pub async fn sorted_searches(&mut self, who: &Who) {
        let ctx = self.ctx(who);
        let params: Vec<(String, String)> = vec![
            ("_sort".into(), "code".into()),
            ("_count".into(), "1000".into()),
        ];
        let Ok(request) = self.store.parse_search("Observation", &params, false) else {
            return self.fail(who, "_sort=code", "-", "ERROR: not parsed".into());
        };
        self.calls += 1;
        let result = match self.store.search(&ctx, &request).await {
            Ok(r) => r,
            Err(StoreError::Forbidden(_)) => return,
            Err(e) => return self.fail(who, "_sort=code", "-", format!("ERROR {e}")),
        };
        let mut masked_seen: Option<String> = None;
        for m in &result.matches {
            let r = format!("{}/{}", m.resource_type, m.id);
            let d = self.expect(who, &r, None);
            let masked = d.level == Level::Metadata && !self.searchable(&r, d, &["code"]);
            self.assertions += 1;
            match (&masked_seen, masked) {
                (Some(prev), true) if *prev > m.id => self.fail(
                    who,
                    "_sort=code",
                    &r,
                    format!("LEAK: masked items not in id order ({})", reason(d)),
                ),
                (Some(prev), false) => self.fail(
                    who,
                    "_sort=code",
                    &r,
                    format!("LEAK: unmasked item after masked Observation/{prev}"),
                ),
                _ => {}
            }
            if masked {
                self.probe("_sort by a masked parameter");
                masked_seen = Some(m.id.clone());
            }
        }
    }
}
