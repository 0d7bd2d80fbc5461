//! Referral status (henvisningsstatus): the patient's referrals (ServiceRequest),
//! with their status in plain words, the receiving unit and the date sent.
//!
//! Why a timeline: a referral is often sent on — from the GP to child psychiatry,
//! from there to the paediatric ward — and the citizen asks "where is my referral
//! now?". Onward and replacing referrals point back with `basedOn` / `replaces`; the
//! referrals so linked form a chain, drawn oldest → newest as an ordered list
//! (`ol.timeline`) on the list page and on each detail page. Chains are built only
//! from referrals the store returned to this citizen: a link to one it withheld (a
//! child-psychiatry referral a parent may not see) leads nowhere and shows nothing.
//! Laboratory requisitions are ServiceRequests too, but not referrals; they are left
//! out (their answers are under test results).
use maud::{html, Markup};
use serde_json::Value;

use super::common::linked_ids;
use super::names::{lookup, references_at, Names};
use super::{ListPage, Row};
use crate::fetch::{items, PortalError};
use crate::i18n::{text, Lang};
use crate::session::Citizen;
use crate::view::{concept_text, first_date, has_coding, is_redacted, sort_date, str_at};
use crate::PortalState;

const SNOMED: &str = "http://snomed.info/sct";
/// SNOMED CT "Laboratory procedure": a requisition, not a referral.
const REQUISITION: &str = "108252007";

/// One referral as the chain builder sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub id: String,
    pub date: String,
    /// Ids of the referrals it is based on or replaces.
    pub parents: Vec<String>,
}

impl Link {
    pub fn of(r: &Value) -> Link {
        let parents = linked_ids(r, &["basedOn", "replaces"], "ServiceRequest");
        Link {
            id: str_at(r, "/id").unwrap_or("").to_owned(),
            date: sort_date(r, &["/authoredOn"]),
            parents,
        }
    }
}

/// Chains of linked referrals (indices into `links`), each oldest → newest, chains
/// newest first by their last referral. A referral linked to none is a chain of one.
pub fn chains(links: &[Link]) -> Vec<Vec<usize>> {
    // Union-find over the referrals present; links to absent ones are ignored.
    let mut root: Vec<usize> = (0..links.len()).collect();
    fn find(root: &mut [usize], i: usize) -> usize {
        let mut i = i;
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    for (i, l) in links.iter().enumerate() {
        for p in &l.parents {
            if let Some(j) = links.iter().position(|x| &x.id == p) {
                let (a, b) = (find(&mut root, i), find(&mut root, j));
                root[a] = b;
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..links.len() {
        let r = find(&mut root, i);
        match groups.iter_mut().find(|g| find(&mut root, g[0]) == r) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    let by_date = |a: &usize, b: &usize| {
        super::series::newest_first(&links[*b].date, &links[*a].date)
            .then_with(|| links[*a].id.cmp(&links[*b].id))
    };
    for g in &mut groups {
        g.sort_by(by_date);
    }
    groups.sort_by(|a, b| by_date(&b[b.len() - 1], &a[a.len() - 1]));
    groups
}

fn is_requisition(r: &Value) -> bool {
    has_coding(r.get("category"), SNOMED, REQUISITION)
}

/// The status in plain words.
pub fn status_text(lang: Lang, r: &Value) -> &'static str {
    let key = match str_at(r, "/status") {
        Some("draft") => "referral.status-draft",
        Some("active") => "referral.status-active",
        Some("on-hold") => "referral.status-on-hold",
        Some("revoked") => "referral.status-revoked",
        Some("completed") => "referral.status-completed",
        Some("entered-in-error") => "referral.status-entered-in-error",
        _ => "referral.status-unknown",
    };
    text(lang, key)
}

fn title(lang: Lang, r: &Value) -> String {
    concept_text(r.get("code"))
        .or_else(|| concept_text(r.pointer("/reasonCode/0")))
        .unwrap_or_else(|| text(lang, "journal.untitled").to_owned())
}

/// The patient's referrals (requisitions left out), as (`ServiceRequest/id`, JSON).
async fn referrals(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
) -> Result<Vec<(String, Value)>, PortalError> {
    Ok(
        items(state, citizen, "ServiceRequest", "subject", patient_id, &[])
            .await?
            .into_iter()
            .filter(|(_, r)| !is_requisition(r))
            .map(|(s, r)| (format!("ServiceRequest/{}", s.id), r))
            .collect(),
    )
}

/// The list: one row per referral, the chains of onward referrals above it.
pub async fn list(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    let lang = citizen.lang;
    let found = referrals(state, citizen, patient_id).await?;
    let values: Vec<Value> = found.iter().map(|(_, r)| r.clone()).collect();
    let names = lookup(state, citizen, references_at(&values, &["/performer"])).await?;
    let rows = found
        .iter()
        .map(|(reference, r)| Row {
            reference: reference.clone(),
            sort: sort_date(r, &["/authoredOn"]),
            date: first_date(r, &["/authoredOn"]),
            title: title(lang, r),
            detail: names.of(r.pointer("/performer/0")),
            badges: vec![status_text(lang, r).to_owned()],
            metadata_only: is_redacted(r),
        })
        .collect();
    let links: Vec<Link> = values.iter().map(Link::of).collect();
    let long: Vec<Vec<usize>> = chains(&links).into_iter().filter(|c| c.len() > 1).collect();
    let extra = (!long.is_empty()).then(|| {
        html! {
            section.chains aria-labelledby="chains" {
                h2 #chains { (text(lang, "referral.chains-title")) }
                p { (text(lang, "referral.chains-intro")) }
                @for c in &long { (timeline(lang, &values, c, &names, None)) }
            }
        }
    });
    Ok(ListPage { rows, extra })
}

/// A chain as an ordered list, oldest first; `current` marked as the page's item.
fn timeline(
    lang: Lang,
    referrals: &[Value],
    chain: &[usize],
    names: &Names,
    current: Option<usize>,
) -> Markup {
    html! {
        ol.timeline aria-label=(text(lang, "referral.chain-label")) {
            @for i in chain {
                @let r = &referrals[*i];
                li aria-current=[(current == Some(*i)).then_some("step")] {
                    @if let Some(d) = first_date(r, &["/authoredOn"]) { span.date { (d) } " · " }
                    span.title { (title(lang, r)) }
                    @if let Some(p) = names.of(r.pointer("/performer/0")) { " → " span.unit { (p) } }
                    " · " span.status { (status_text(lang, r)) }
                }
            }
        }
    }
}

/// The detail page: facts, status explained, and the chain this referral is part of.
pub async fn detail(
    state: &PortalState,
    citizen: &Citizen,
    r: &Value,
) -> Result<Markup, PortalError> {
    let lang = citizen.lang;
    let all: Vec<Value> = match citizen.patient() {
        Some(p) => referrals(state, citizen, &p.patient_id)
            .await?
            .into_iter()
            .map(|(_, v)| v)
            .collect(),
        None => Vec::new(),
    };
    let mut refs = references_at(&all, &["/performer", "/requester"]);
    refs.extend(references_at(
        std::slice::from_ref(r),
        &["/performer", "/requester"],
    ));
    let names = lookup(state, citizen, refs).await?;
    let links: Vec<Link> = all.iter().map(Link::of).collect();
    let me = Link::of(r).id;
    let here = links.iter().position(|l| l.id == me);
    let chain = chains(&links)
        .into_iter()
        .find(|c| here.is_some_and(|h| c.contains(&h)) && c.len() > 1);
    Ok(html! {
        article.referral {
            h1 { (title(lang, r)) }
            dl.facts {
                dt { (text(lang, "field.status")) } dd { (status_text(lang, r)) }
                @if let Some(d) = first_date(r, &["/authoredOn"]) { dt { (text(lang, "referral.sent")) } dd { (d) } }
                @if let Some(p) = names.of(r.pointer("/performer/0")) { dt { (text(lang, "referral.to")) } dd { (p) } }
                @if let Some(p) = names.of(r.get("requester")) { dt { (text(lang, "referral.from")) } dd { (p) } }
                @if !is_redacted(r) {
                    @if let Some(why) = concept_text(r.pointer("/reasonCode/0")) {
                        dt { (text(lang, "referral.reason")) } dd lang="nb" { (why) }
                    }
                }
            }
            @if let Some(c) = &chain {
                h2 { (text(lang, "referral.chain-title")) }
                (timeline(lang, &all, c, &names, here))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn link(id: &str, date: &str, parents: &[&str]) -> Link {
        Link {
            id: id.into(),
            date: date.into(),
            parents: parents.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn chains_run_oldest_to_newest_and_ignore_absent_parents() {
        let links = [
            link("onward", "2026-11-19", &["first"]),
            link("asthma", "2026-03-27", &[]),
            link("first", "2026-09-15", &[]),
            link("replaced", "2026-11-20", &["onward"]),
            link("orphan", "2026-10-01", &["hidden-one"]),
        ];
        let ids = |c: &Vec<usize>| c.iter().map(|i| links[*i].id.as_str()).collect::<Vec<_>>();
        let got: Vec<Vec<&str>> = chains(&links).iter().map(ids).collect();
        assert_eq!(
            got,
            vec![
                vec!["first", "onward", "replaced"],
                vec!["orphan"],
                vec!["asthma"]
            ]
        );
    }

    #[test]
    fn timeline_is_an_ordered_list_oldest_first_with_the_current_marked() {
        let values = [
            json!({"id": "onward", "authoredOn": "2026-11-19T14:10:00+01:00", "status": "active",
                   "code": {"text": "Til barneavdelingen"},
                   "performer": [{"reference": "Organization/barn"}],
                   "basedOn": [{"reference": "ServiceRequest/first"}]}),
            json!({"id": "first", "authoredOn": "2026-09-15T09:15:00+02:00", "status": "completed",
                   "code": {"text": "Til BUP"}}),
        ];
        let links: Vec<Link> = values.iter().map(Link::of).collect();
        let chain = chains(&links).remove(0);
        let names = Names::from_pairs(&[("Organization/barn", "Barneavdelingen")]);
        let html = timeline(Lang::Nb, &values, &chain, &names, Some(0)).into_string();
        assert!(html.starts_with("<ol class=\"timeline\""), "{html}");
        let first = html.find("Til BUP").unwrap_or(usize::MAX);
        let onward = html.find("Til barneavdelingen").unwrap_or(0);
        assert!(first < onward, "{html}");
        assert_eq!(html.matches("<li").count(), 2);
        assert_eq!(html.matches(r#"aria-current="step""#).count(), 1);
        assert!(html.contains("Barneavdelingen"));
    }

    #[test]
    fn links_read_based_on_and_replaces() {
        let r = json!({"id": "b", "authoredOn": "2026-01-02",
            "basedOn": [{"reference": "ServiceRequest/a"}, {"reference": "CarePlan/x"}],
            "replaces": [{"reference": "ServiceRequest/z"}]});
        assert_eq!(Link::of(&r), link("b", "2026-01-02", &["a", "z"]));
        let req = json!({"category": [{"coding": [{"system": SNOMED, "code": REQUISITION}]}]});
        assert!(is_requisition(&req));
        assert_eq!(
            status_text(Lang::En, &json!({"status": "active"})),
            text(Lang::En, "referral.status-active")
        );
    }
}
