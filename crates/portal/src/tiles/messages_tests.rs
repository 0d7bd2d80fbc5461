//! Thread building: links, topics, order, and read inference.
use super::*;
use serde_json::json;

fn msg(id: &str, sent: &str, topic: &str, answers: Option<&str>) -> Value {
    let mut m = json!({"resourceType": "Communication", "id": id, "sent": sent,
                       "topic": {"text": topic}, "payload": [{"contentString": id}]});
    if let Some(a) = answers {
        m["inResponseTo"] = json!([{"reference": format!("Communication/{a}")}]);
    }
    m
}

fn ids(all: &[Value], threads: &[Vec<usize>]) -> Vec<Vec<String>> {
    threads
        .iter()
        .map(|t| {
            t.iter()
                .map(|&i| all[i]["id"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn replies_and_topics_make_threads_newest_first() {
    let all = vec![
        // Thread A: three messages, the reply chain given out of order.
        msg("a3", "2026-11-13T14:05:00+01:00", "Neste time", Some("a2")),
        msg("a1", "2026-11-12T12:05:00+01:00", "Neste time", None),
        msg("a2", "2026-11-13T13:05:00+01:00", "Svar", Some("a1")),
        // Thread B: no links, joined by topic (case and spaces ignored), newer.
        msg("b1", "2026-11-18T12:05:00+01:00", "Vektøkning", None),
        msg("b2", "2026-11-19T13:05:00+01:00", " vektøkning ", None),
        // Thread C: alone, oldest; its parent was withheld (absent): no link.
        msg("c1", "2026-10-01T09:00:00+02:00", "", Some("hidden")),
    ];
    let shapes: Vec<Msg> = all.iter().map(Msg::of).collect();
    assert_eq!(
        ids(&all, &threads(&shapes)),
        vec![vec!["b1", "b2"], vec!["a1", "a2", "a3"], vec!["c1"]]
    );
}

#[test]
fn part_of_links_and_equal_times_are_stable() {
    let mut p = msg("p2", "2026-01-01T10:00:00Z", "", None);
    p["partOf"] = json!([{"reference": "Communication/p1"}]);
    let all = vec![
        p,
        msg("p1", "2026-01-01T10:00:00Z", "", None),
        msg("q1", "2026-01-01T10:00:00Z", "", None),
    ];
    let shapes: Vec<Msg> = all.iter().map(Msg::of).collect();
    assert_eq!(
        ids(&all, &threads(&shapes)),
        vec![vec!["q1"], vec!["p1", "p2"]]
    );
    assert!(threads(&[]).is_empty());
}

#[test]
fn a_message_is_read_when_received_or_answered() {
    let mut received = msg("r", "2026-01-02", "t", None);
    received["received"] = json!("2026-01-02T12:00:00Z");
    let all: Vec<(String, Value)> = [
        msg("x1", "2026-01-01", "t", None),
        msg("x2", "2026-01-02", "t", Some("x1")),
        received,
    ]
    .into_iter()
    .map(|m| {
        (
            format!("Communication/{}", m["id"].as_str().unwrap_or("")),
            m,
        )
    })
    .collect();
    assert!(is_read(&all, 0), "answered");
    assert!(!is_read(&all, 1), "not answered, no received");
    assert!(is_read(&all, 2), "received");
    assert!(!is_read(&all, 9));
}
