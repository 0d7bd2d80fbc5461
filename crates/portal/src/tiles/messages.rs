//! Messages (dialog): the patient's Communications as conversations (threads),
//! newest conversation first; a detail page shows the whole conversation in order.
//!
//! Why threads are built here: FHIR has no thread resource. Record systems link a
//! reply to what it answers (`inResponseTo`, sometimes `partOf`), and a conversation
//! keeps its topic; messages joined by either are one thread. Only messages the store
//! returned to this citizen take part, so a withheld message cannot reveal itself
//! through a gap or a link. Why "read" is inferred: `received` is set by few
//! systems, but a message someone answered has certainly been read, so either counts.
//! Senders are named from the directory (clinicians), the session (the patient) and,
//! when a relative wrote, one RelatedPerson search made with the citizen's context —
//! so a proxy reads their own name (or "you"), never an id.
use std::collections::HashMap;

use maud::{html, Markup};
use serde_json::Value;

use super::accesslog::FNR;
use super::common::linked_ids;
use super::names::{lookup, Names};
use super::{ListPage, Row};
use crate::fetch::{items, PortalError};
use crate::i18n::{fhir_date, text, text_with, Lang};
use crate::session::Citizen;
use crate::view::{concept_text, human_name, is_redacted, str_at};
use crate::PortalState;

/// What thread building needs of one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Msg {
    pub id: String,
    pub sent: String,
    /// The topic, trimmed and lowercased (empty: none).
    pub topic: String,
    /// Ids of the Communications it answers or is part of.
    pub parents: Vec<String>,
}

impl Msg {
    pub fn of(c: &Value) -> Msg {
        let parents = linked_ids(c, &["inResponseTo", "partOf"], "Communication");
        Msg {
            id: str_at(c, "/id").unwrap_or("").to_owned(),
            sent: sent_of(c).to_owned(),
            topic: concept_text(c.get("topic"))
                .unwrap_or_default()
                .trim()
                .to_lowercase(),
            parents,
        }
    }
}

fn sent_of(c: &Value) -> &str {
    str_at(c, "/sent")
        .or_else(|| str_at(c, "/received"))
        .unwrap_or("")
}

/// Threads (indices into `msgs`), each oldest → newest; threads newest first by their
/// newest message (ties by id, so the order is stable).
pub fn threads(msgs: &[Msg]) -> Vec<Vec<usize>> {
    let mut root: Vec<usize> = (0..msgs.len()).collect();
    fn find(root: &mut [usize], mut i: usize) -> usize {
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    let join = |root: &mut Vec<usize>, a: usize, b: usize| {
        let (ra, rb) = (find(root, a), find(root, b));
        root[ra] = rb;
    };
    let by_id: HashMap<&str, usize> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    let mut by_topic: HashMap<&str, usize> = HashMap::new();
    for (i, m) in msgs.iter().enumerate() {
        for p in &m.parents {
            if let Some(&j) = by_id.get(p.as_str()) {
                join(&mut root, i, j);
            }
        }
        if !m.topic.is_empty() {
            match by_topic.get(m.topic.as_str()) {
                Some(&j) => join(&mut root, i, j),
                None => {
                    by_topic.insert(&m.topic, i);
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..msgs.len() {
        let r = find(&mut root, i);
        groups.entry(r).or_default().push(i);
    }
    let key = |i: &usize| (msgs[*i].sent.clone(), msgs[*i].id.clone());
    let mut out: Vec<Vec<usize>> = groups.into_values().collect();
    for g in &mut out {
        g.sort_by_key(key);
    }
    out.sort_by(|a, b| {
        let (la, lb) = (a.last().map(key), b.last().map(key));
        lb.cmp(&la)
    });
    out
}

/// Whether a message was read: `received` is set, or another message answers it.
pub fn is_read(msgs: &[(String, Value)], index: usize) -> bool {
    let Some((_, m)) = msgs.get(index) else {
        return false;
    };
    if m.get("received").is_some() {
        return true;
    }
    let id = format!("Communication/{}", str_at(m, "/id").unwrap_or(""));
    msgs.iter().any(|(_, other)| {
        other
            .get("inResponseTo")
            .and_then(Value::as_array)
            .is_some_and(|rs| {
                rs.iter()
                    .any(|r| str_at(r, "/reference") == Some(id.as_str()))
            })
    })
}

/// Whether the patient's side wrote it (the patient or someone acting for them).
fn from_patient_side(m: &Value) -> bool {
    str_at(m, "/sender/reference")
        .is_some_and(|s| s.starts_with("Patient/") || s.starts_with("RelatedPerson/"))
}

/// Names of the patient's RelatedPersons among `senders`; "you" for the viewer.
/// Best-effort: where demographics are closed to the viewer, the role is shown.
async fn relatives(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
    senders: &[&str],
) -> HashMap<String, String> {
    let mut ids: Vec<&str> = senders
        .iter()
        .filter_map(|s| s.strip_prefix("RelatedPerson/"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return HashMap::new();
    }
    let joined = ids.join(",");
    let Ok(found) = items(
        state,
        citizen,
        "RelatedPerson",
        "patient",
        patient_id,
        &[("_id", &joined)],
    )
    .await
    else {
        return HashMap::new();
    };
    found
        .into_iter()
        .map(|(s, r)| {
            let viewer = r
                .get("identifier")
                .and_then(Value::as_array)
                .is_some_and(|ids| {
                    ids.iter().any(|i| {
                        str_at(i, "/system") == Some(FNR)
                            && str_at(i, "/value") == Some(citizen.session.pid.as_str())
                    })
                });
            let name = if viewer {
                text(citizen.lang, "accesslog.you").to_owned()
            } else {
                human_name(&r)
            };
            (format!("RelatedPerson/{}", s.id), name)
        })
        .filter(|(_, n)| !n.is_empty())
        .collect()
}

/// The patient's messages as (`Communication/id`, JSON), and the names of their senders.
async fn messages(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
) -> Result<(Vec<(String, Value)>, Senders), PortalError> {
    let found = items(state, citizen, "Communication", "subject", patient_id, &[]).await?;
    let msgs: Vec<(String, Value)> = found
        .into_iter()
        .map(|(s, v)| (format!("Communication/{}", s.id), v))
        .collect();
    let senders: Vec<&str> = msgs
        .iter()
        .filter_map(|(_, m)| str_at(m, "/sender/reference"))
        .collect();
    let names = lookup(state, citizen, senders.iter().copied()).await?;
    let relatives = relatives(state, citizen, patient_id, &senders).await;
    Ok((msgs, Senders { names, relatives }))
}

/// Names of senders: directory names, and the patient's relatives.
pub struct Senders {
    names: Names,
    relatives: HashMap<String, String>,
}

/// The name of a message's sender: the patient by name, a directory name, else a role.
fn sender_name(lang: Lang, citizen: &Citizen, names: &Senders, m: &Value) -> String {
    let reference = str_at(m, "/sender/reference").unwrap_or("");
    if let Some(p) = citizen.patient() {
        if reference == format!("Patient/{}", p.patient_id) {
            return p.name.clone();
        }
    }
    if let Some(n) = names.relatives.get(reference) {
        return n.clone();
    }
    names.names.of(m.get("sender")).unwrap_or_else(|| {
        let key = if from_patient_side(m) {
            "messages.from-representative"
        } else {
            "messages.from-clinic"
        };
        text(lang, key).to_owned()
    })
}

/// One row per thread.
pub async fn list(
    state: &PortalState,
    citizen: &Citizen,
    patient_id: &str,
) -> Result<ListPage, PortalError> {
    let lang = citizen.lang;
    let (msgs, names) = messages(state, citizen, patient_id).await?;
    let shapes: Vec<Msg> = msgs.iter().map(|(_, m)| Msg::of(m)).collect();
    let rows = threads(&shapes)
        .into_iter()
        .filter_map(|thread| {
            let newest = *thread.last()?;
            let (reference, last) = &msgs[newest];
            let unread = thread
                .iter()
                .any(|&i| !from_patient_side(&msgs[i].1) && !is_read(&msgs, i));
            Some(Row {
                reference: reference.clone(),
                sort: sent_of(last).to_owned(),
                date: Some(fhir_date(sent_of(last))).filter(|d| !d.is_empty()),
                title: thread_title(lang, &msgs[thread[0]].1),
                detail: Some(text_with(
                    lang,
                    "messages.summary",
                    &[
                        ("n", &thread.len().to_string()),
                        ("sender", &sender_name(lang, citizen, &names, last)),
                    ],
                )),
                badges: if unread {
                    vec![text(lang, "messages.unread").to_owned()]
                } else {
                    Vec::new()
                },
                metadata_only: thread.iter().any(|&i| is_redacted(&msgs[i].1)),
            })
        })
        .collect();
    // Writing, the threads' state and read receipts live on the dialog page.
    let extra = html! {
        p.actions { a.button href="/dialog" { (text(lang, "dialog.new")) } " · " a href="/dialog" { (text(lang, "dialog.threads")) } }
    };
    Ok(ListPage {
        rows,
        extra: Some(extra),
    })
}

fn thread_title(lang: Lang, first: &Value) -> String {
    concept_text(first.get("topic"))
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| text(lang, "messages.no-topic").to_owned())
}

/// The whole thread the message belongs to, oldest first.
pub async fn detail(
    state: &PortalState,
    citizen: &Citizen,
    message: &Value,
) -> Result<Markup, PortalError> {
    let lang = citizen.lang;
    let Some(patient_id) = citizen.patient().map(|p| p.patient_id.clone()) else {
        return Ok(html! {});
    };
    let (mut msgs, names) = messages(state, citizen, &patient_id).await?;
    let id = str_at(message, "/id").unwrap_or("").to_owned();
    // The item read is authoritative (and present even beyond the list's limit).
    match msgs
        .iter()
        .position(|(_, m)| str_at(m, "/id") == Some(id.as_str()))
    {
        Some(i) => msgs[i].1 = message.clone(),
        None => msgs.push((format!("Communication/{id}"), message.clone())),
    }
    let shapes: Vec<Msg> = msgs.iter().map(|(_, m)| Msg::of(m)).collect();
    let thread = threads(&shapes)
        .into_iter()
        .find(|t| t.iter().any(|&i| shapes[i].id == id))
        .unwrap_or_default();
    let title = thread
        .first()
        .map(|&i| thread_title(lang, &msgs[i].1))
        .unwrap_or_default();
    Ok(html! {
        article.thread {
            h1 { (title) }
            ol.messages {
                @for &i in &thread {
                    @let m = &msgs[i].1;
                    li.message.mine[from_patient_side(m)] {
                        p.meta {
                            span.sender { (sender_name(lang, citizen, &names, m)) }
                            " · "
                            span.date { (fhir_date(sent_of(m))) }
                        }
                        @if is_redacted(m) {
                            p { (text(lang, "item.metadata-only")) }
                        } @else {
                            @for t in payload_texts(m) { p.text lang="nb" { (t) } }
                        }
                        p.read {
                            @if is_read(&msgs, i) { (text(lang, "messages.read")) }
                            @else { (text(lang, "messages.not-read")) }
                        }
                    }
                }
            }
        }
    })
}

fn payload_texts(m: &Value) -> Vec<String> {
    m.get("payload")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    str_at(p, "/contentString")
                        .or_else(|| str_at(p, "/contentAttachment/title"))
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "messages_tests.rs"]
mod tests;
