//! Invariants over random families, items, labels and grants (proptest).
//!
//! - what closes (labels, deny grants, locks, deferral) never raises a level;
//! - no level exceeds the base table (§ 6 with only the opening grants);
//! - the producing organisation always sees its own items in full;
//! - a hidden item has no metadata and no content; a redacted one carries no clinical
//!   element and is marked REDACTED;
//! - an item that opens by time alone is visible at the instant `opens_at` names.
mod common;

use common::*;
use nordlys_policy::*;
use proptest::prelude::*;
use serde_json::{json, Value};

const AGES: [Age; 4] = [Age::Child, Age::Youth, Age::Young, Age::Adult];
const LABELS: [&str; 13] = [
    "N",
    "NORN_FFL",
    "NORN_KUT",
    "NORN_FFH",
    "NORN_FPB",
    "NORN_ALL",
    "NORN_ANG",
    "NORN_EPO",
    "NORN_FOR",
    "NORN_FORANS",
    "NORN_UNGDOM",
    "NORU",
    "NORS",
];

fn who(i: u8) -> Who {
    match i % 10 {
        0 => Who::Myself,
        1 => Who::Mother,
        2 => Who::Father,
        3 => Who::Foster,
        4 => Who::Guardian,
        5 => Who::ProxyFull,
        6 => Who::ProxyLimited,
        7 => Who::Practitioner(ORG_B, Some("TREAT")),
        8 => Who::Practitioner(ORG_B, Some("ETREAT")),
        _ => Who::System(ORG_B, "system/*.read"),
    }
}

/// The closing grants, each with a random scope.
fn deny_grant(kind: u8, scope: u8) -> C {
    let g = match kind % 7 {
        0 => grant("deny-parents"),
        1 => grant("self-deny-results"),
        2 => grant("lockdown"),
        3 => grant("emergency-lock"),
        4 => grant("block").action(if scope.is_multiple_of(2) {
            "soft"
        } else {
            "hard"
        }),
        5 => grant("shield").action("soft"),
        _ => grant("reservation"),
    };
    match scope % 5 {
        0 => g,
        1 => g.class("results"),
        2 => g.class("documents").class("letters"),
        3 => g.data("DocumentReference/doc"),
        _ => g.related("ServiceRequest/r1"),
    }
    .id(&format!("deny-{kind}-{scope}"))
}

#[derive(Debug, Clone)]
struct World {
    age: usize,
    who: u8,
    cat: usize,
    linked: bool,
    before_12: bool,
    recent: bool,
    opening: u8,
    labels: u16,
    denies: Vec<(u8, u8)>,
}

fn world() -> impl Strategy<Value = World> {
    (
        0..4usize,
        any::<u8>(),
        0..14usize,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<u8>(),
        any::<u16>(),
        proptest::collection::vec((any::<u8>(), any::<u8>()), 0..3),
    )
        .prop_map(
            |(age, who, cat, linked, before_12, recent, opening, labels, denies)| World {
                age,
                who,
                cat,
                linked,
                before_12,
                recent,
                opening,
                labels,
                denies,
            },
        )
}

impl World {
    /// The case with only opening grants and no labels (the "base table" world).
    fn base(&self) -> Case {
        let cat = Category::ALL[self.cat];
        let mut item = cat_item(cat);
        if self.linked && item.json.is_some() {
            item = item.based_on("ServiceRequest/r1");
        }
        if self.before_12 && matches!(cat, Category::Documents | Category::Letters) {
            item = item.dated("2015-01-01");
        }
        let mut c = case(format!("{self:?}"))
            .age(AGES[self.age])
            .who(who(self.who))
            .item(item)
            .with(referral().id("r1"));
        if cat == Category::AccessLog {
            c = c.audited(doc());
        }
        let o = self.opening;
        if o & 1 != 0 {
            c = c.consent();
        }
        if o & 2 != 0 {
            c = c.grant(
                grant("parent-access")
                    .actor_role("PRN")
                    .action(if o & 4 != 0 { "full" } else { "metadata" })
                    .related("ServiceRequest/r1"),
            );
        }
        if o & 8 != 0 {
            c = c.grant(
                grant("youth-access")
                    .action("full")
                    .related("ServiceRequest/r1"),
            );
        }
        if o & 16 != 0 {
            c = c.grant(grant("research").actor_id(ORGNR_SYSTEM, ORG_B));
        }
        c
    }

    /// The base world plus labels, deny grants and a recent (deferred) result.
    fn full(&self) -> Case {
        let mut c = self.base();
        if self.recent
            && c.target
                .json
                .as_ref()
                .is_some_and(|j| j["resourceType"] == "DiagnosticReport")
        {
            c.target = c
                .target
                .clone()
                .set("issued", json!("2026-11-19T08:00:00Z"));
        }
        for (i, l) in LABELS.iter().enumerate() {
            if self.labels & (1 << i) != 0 && c.target.json.is_some() {
                c.target = if *l == "NORU" {
                    c.target.clone().noru("2026-12-24T00:00:00Z")
                } else {
                    c.target.clone().label(l)
                };
            }
        }
        for (k, s) in &self.denies {
            c = c.grant(deny_grant(*k, *s));
        }
        c
    }
}

fn level(c: &Case) -> Level {
    c.run().0.level
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn nothing_exceeds_the_base_table(w in world()) {
        let full = w.full();
        let base = w.base();
        prop_assert!(level(&full) <= level(&base), "{:?}", w);
    }

    #[test]
    fn adding_a_deny_grant_never_raises(w in world(), k in any::<u8>(), s in any::<u8>()) {
        let before = w.full();
        let after = before.clone().grant(deny_grant(k, s).id("extra"));
        prop_assert!(level(&after) <= level(&before), "{:?} + deny {} {}", w, k, s);
    }

    #[test]
    fn adding_a_label_never_raises(w in world(), l in 0..13usize) {
        let before = w.full();
        prop_assume!(before.target.json.is_some());
        let mut after = before.clone();
        after.target = after.target.clone().label(LABELS[l]);
        prop_assert!(level(&after) <= level(&before), "{:?} + {}", w, LABELS[l]);
    }

    #[test]
    fn own_organisation_always_full(w in world(), purpose in proptest::option::of(0..3usize)) {
        let p = purpose.map(|i| ["TREAT", "ETREAT", "COC"][i]);
        let c = w.full().who(Who::Practitioner(ORG_A, p));
        prop_assume!(c.target.json.as_ref().is_none_or(|j| j["resourceType"] != "AuditEvent"));
        let (d, _) = c.run();
        prop_assert_eq!(d.level, Level::Full);
        prop_assert!(!d.notify_patient);
    }

    #[test]
    fn hidden_items_show_nothing_and_citizens_never_notify(w in world()) {
        let c = w.full();
        let (d, opens) = c.run();
        if d.level == Level::None {
            prop_assert_eq!(d.redaction(), Redaction::NotApplicable);
            prop_assert_eq!(d.content_level(), Level::None);
            prop_assert!(!d.visible());
        } else {
            prop_assert!(opens.is_none());
        }
        if matches!(c.principal(), Principal::Citizen { .. }) {
            prop_assert!(!d.notify_patient);
        }
        if d.level == Level::Metadata && d.redaction() == Redaction::Metadata {
            if let Some(j) = &c.target.json {
                assert_redacted(&redact(&with_clinical_content(j)));
            }
        }
    }

    #[test]
    fn opens_at_is_when_it_opens(w in world()) {
        let c = w.full();
        let (d, opens) = c.run();
        if let Some(at) = opens {
            prop_assert_eq!(d.level, Level::None);
            let mut later = c.clone();
            later.now = at;
            prop_assert!(level(&later) > Level::None, "{:?} at {}", w, at);
            let mut just_before = c.clone();
            just_before.now = at - chrono::Duration::milliseconds(1);
            prop_assert_eq!(level(&just_before), Level::None);
        }
    }
}

/// The resource with every clinical element a real one might carry.
fn with_clinical_content(j: &Value) -> Value {
    let mut v = j.clone();
    for (k, x) in [
        ("text", json!({"div": "<div>secret</div>"})),
        ("note", json!([{"text": "secret"}])),
        ("valueQuantity", json!({"value": 1})),
        ("conclusion", json!("secret")),
        ("presentedForm", json!([{"data": "c2VjcmV0"}])),
        ("payload", json!([{"contentString": "secret"}])),
        (
            "item",
            json!([{"linkId": "1", "answer": [{"valueString": "secret"}]}]),
        ),
        ("reasonCode", json!([{"text": "secret"}])),
        ("dosage", json!([{"text": "secret"}])),
        ("comment", json!("secret")),
    ] {
        v[k] = x;
    }
    if v["resourceType"] == "DocumentReference" {
        v["content"] =
            json!([{"attachment": {"title": "t", "data": "c2VjcmV0", "url": "Binary/b"}}]);
    }
    v
}

fn assert_redacted(r: &Value) {
    let s = r.to_string();
    assert!(
        !s.contains("secret") && !s.contains("c2VjcmV0") && !s.contains("Binary/b"),
        "{s}"
    );
    assert_eq!(r["meta"]["security"][0]["code"], "REDACTED");
}
