//! The per-decision context: facts several steps need, computed at most once, and the
//! question "does this grant cover this item?".
//!
//! Why lazy linkage: most decisions never need the referral linkage (no per-referral
//! grant, no paediatric unit configured), and computing it is the costliest step.
use std::cell::OnceCell;

use chrono::{DateTime, Utc};

use super::DecisionInput;
use crate::grant::{Grant, GrantKind};
use crate::item::ItemFacts;
use crate::label::LabelSet;
use crate::level::{oslo_today, AgeBand, Category};

pub(crate) struct Ctx<'a> {
    pub input: &'a DecisionInput<'a>,
    pub item: &'a ItemFacts,
    pub audited: Option<&'a ItemFacts>,
    pub cat: Category,
    pub now_ms: i64,
    /// The item's labels and those of the reports it belongs to.
    pub labels: LabelSet,
    pub unknown_label: bool,
    pub deferred_until: Option<DateTime<Utc>>,
    /// The patient's age band today (Oslo); `None` if the birth date is unknown.
    pub band: Option<AgeBand>,
    linked: OnceCell<Vec<&'a str>>,
}

impl<'a> Ctx<'a> {
    /// `None` for directory data.
    pub fn new(
        input: &'a DecisionInput<'a>,
        item: &'a ItemFacts,
        audited: Option<&'a ItemFacts>,
    ) -> Option<Ctx<'a>> {
        let cat = input.links.category_of(item)?;
        let mut labels = item.labels;
        let mut unknown_label = item.unknown_label;
        let mut deferred_until = item.deferred_until;
        if item.resource_type == "Observation" {
            for r in input.links.reports_of(item) {
                labels = labels.union(r.labels);
                unknown_label |= r.unknown_label;
                deferred_until = deferred_until.max(r.deferred_until);
            }
        }
        let band = input
            .patient
            .birth_date
            .map(|b| AgeBand::on(b, oslo_today(input.now)));
        Some(Ctx {
            input,
            item,
            audited,
            cat,
            now_ms: input.now.timestamp_millis(),
            labels,
            unknown_label,
            deferred_until,
            band,
            linked: OnceCell::new(),
        })
    }

    /// The same context for another item (the audited item of an AuditEvent).
    pub fn for_item(&self, item: &'a ItemFacts) -> Option<Ctx<'a>> {
        Ctx::new(self.input, item, None)
    }

    /// What the item is linked to (§ 4), incl. through the audited item.
    pub fn linked(&self) -> &[&'a str] {
        self.linked.get_or_init(|| {
            let mut v = self.input.links.linked(self.item);
            if let Some(a) = self.audited {
                for r in self.input.links.linked(a) {
                    if !v.contains(&r) {
                        v.push(r);
                    }
                }
            }
            v
        })
    }

    /// Grants of `kind` in force now.
    pub fn grants(&self, kind: GrantKind) -> impl Iterator<Item = &'a Grant> + 'a {
        let now_ms = self.now_ms;
        self.input
            .grants
            .iter()
            .filter(move |g| g.kind == kind && g.in_force(now_ms))
    }

    /// Does grant `g` cover this item: category (`class`), `dataPeriod` (overlap for
    /// closing grants, containment for opening ones) and `data` (the item itself, the
    /// report it belongs to, the audited item, or — with meaning `related` — anything
    /// it is linked to)? Opening grants that need an item or referral cover nothing
    /// without one.
    pub fn covers(&self, g: &Grant) -> bool {
        if !g.categories.is_empty() && !g.categories.contains(self.cat) {
            return false;
        }
        if let Some(dp) = g.data_period {
            let ok = if g.kind.is_deny() {
                dp.overlaps(self.item.date)
            } else {
                dp.covers(self.item.date)
            };
            if !ok {
                return false;
            }
        }
        let mut any = false;
        for d in &g.data {
            if g.kind == GrantKind::Research && d.reference.starts_with("ResearchStudy/") {
                continue;
            }
            any = true;
            let r = d.reference.as_str();
            if r == self.item.reference
                || self.audited.is_some_and(|a| a.reference == r)
                || self.in_report(r)
                || (d.related && self.linked().contains(&r))
            {
                return true;
            }
        }
        !any && !matches!(
            g.kind,
            GrantKind::ParentAccess | GrantKind::YouthAccess | GrantKind::Release
        )
    }

    fn in_report(&self, r: &str) -> bool {
        r.starts_with("DiagnosticReport/")
            && self.item.resource_type == "Observation"
            && self
                .input
                .links
                .reports_of(self.item)
                .any(|rep| rep.reference == r)
    }

    /// Is any in-force grant of `kind` covering this item?
    pub fn covered_by(&self, kind: GrantKind) -> bool {
        self.grants(kind).any(|g| self.covers(g))
    }
}
