//! A patient's contacts with the GP office: past and future appointments and a message
//! thread (a question from the patient, the office's answer, sometimes a thank-you).
//!
//! Why separate from referrals: these belong to no referral, so they are what a parent
//! of a youth never sees while referral-linked items may be opened per referral.
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::record::{ahead, Seq, Subject};
use super::words::{ANSWERS, QUESTIONS};
use crate::items::{Appt, Message};

pub(crate) fn gp_appointments(
    rng: &mut ChaCha8Rng,
    s: &Subject,
    seq: &mut Seq,
    out: &mut Vec<Value>,
) {
    let past = rng.random_range(1..=2);
    let future = usize::from(rng.random_bool(0.3));
    for i in 0..past + future {
        let is_future = i >= past;
        let date = if is_future {
            ahead(s.clock, rng.random_range(1..=20))
        } else {
            s.clock.day(rng.random_range(1..=s.span()))
        };
        out.push(
            Appt {
                id: seq.appt(),
                patient: s.reference(),
                date,
                hour: rng.random_range(8..15),
                minute: 20 * rng.random_range(0..3),
                minutes: 20,
                status: if is_future { "booked" } else { "fulfilled" },
                practitioner: s.gp_practitioner(),
                location: s.gp.unit.location_ref(),
                what: "Time hos fastlege".into(),
                based_on: None,
                slot: None,
                video: None,
                source: s.gp.unit.orgnr.clone(),
            }
            .json(),
        );
    }
}

pub(crate) fn thread(rng: &mut ChaCha8Rng, s: &Subject, seq: &mut Seq, out: &mut Vec<Value>) {
    let q = rng.random_range(0..QUESTIONS.len());
    let day = rng.random_range(2..=60.min(s.span().max(2)));
    let patient = s.reference();
    let mut previous: Option<String> = None;
    let mut messages = vec![
        (patient.clone(), s.gp.unit.org_ref(), QUESTIONS[q], None),
        (
            s.gp_practitioner(),
            patient.clone(),
            ANSWERS[q],
            Some(s.gp.unit.orgnr.clone()),
        ),
    ];
    if rng.random_bool(0.5) {
        messages.push((patient.clone(), s.gp.unit.org_ref(), "Takk for svar!", None));
    }
    for (i, (sender, recipient, text, source)) in messages.into_iter().enumerate() {
        let id = seq.comm();
        out.push(
            Message {
                id: id.clone(),
                patient: patient.clone(),
                sent: s.clock.at((day - i as i64).max(0), 9 + i as u32 * 2, 0),
                sender,
                recipient,
                topic: "Melding til legekontoret".into(),
                text: text.into(),
                in_response_to: previous.take(),
                based_on: None,
                source,
            }
            .json(),
        );
        previous = Some(format!("Communication/{id}"));
    }
}
