//! Letters end to end on both stores (issue 5 § 5 and § 6): the new-letter mail, ONE
//! reminder when nobody has read the letter N days later (and none when someone did,
//! a parent's reading included), exactly once across restarts, and the citizen's
//! channel choice narrowing where news goes.
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use nordlys_notify::{Backoff, Deliverer, DeliveryConfig, RoundReport, SmsGateway, SmtpChannel};
use nordlys_store::notify::Channels;
use nordlys_store::{FhirStore, StoreConfig};
use nordlys_testkit::fixtures::{citizen, hospital_system};
use nordlys_testkit::letters::letter;
use nordlys_testkit::notify::{instant, parent, patient, pid, put};
use nordlys_testkit::sms::FakeSmsGateway;
use nordlys_testkit::smtp::SmtpSink;
use serde_json::{json, Value};

const PORTAL: &str = "https://helse.example.no/";
const FROM: &str = "Nordlys helse <varsel@helse.example.no>";
const SMS_KEY: &str = "test-key";
const NEW_LETTER: &str = "Du har et nytt brev i Nordlys helse.";
const REMINDER: &str = "Du har et ulest brev i Nordlys helse.";

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

fn deliverer(store: &FhirStore, sink: &SmtpSink, sms: Option<&FakeSmsGateway>) -> Deliverer {
    let config = DeliveryConfig {
        backoff: Backoff {
            first: Duration::from_secs(1),
            max: Duration::from_secs(8),
        },
        lease: Duration::from_secs(60),
        ..DeliveryConfig::new(PORTAL)
    };
    let smtp = SmtpChannel::new(&sink.url(), FROM).expect("smtp channel");
    let d = Deliverer::new(store.clone(), config).with_channel(Arc::new(smtp));
    match sms {
        Some(g) => d.with_channel(Arc::new(
            SmsGateway::new(&g.url(), SMS_KEY).expect("gateway"),
        )),
        None => d,
    }
}

async fn round(d: &Deliverer, at: DateTime<Utc>) -> usize {
    let r: RoundReport = d.run_once(at).await.expect("delivery round");
    assert_eq!((r.failed, r.unreachable), (0, 0), "{r:?}");
    r.delivered
}

fn bodies(sink: &SmtpSink) -> Vec<(String, String)> {
    sink.mails()
        .into_iter()
        .map(|m| {
            (
                m.to.join(","),
                m.body().lines().next().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// `(person, item, delivered?, withdrawn?)` of a patient's outbox, sorted.
async fn outbox(store: &FhirStore, patient_id: &str) -> Vec<(String, String, bool, bool)> {
    let mut e: Vec<_> = store
        .outbox_of_patient(&hospital_system(), patient_id)
        .await
        .expect("outbox")
        .into_iter()
        .map(|e| {
            (
                e.person,
                e.item,
                e.delivered.is_some(),
                e.withdrawn.is_some(),
            )
        })
        .collect();
    e.sort();
    e
}

/// A citizen is shown a letter, as the portal's letter page and the FHIR read do:
/// the read, then the receipt.
async fn open_letter(store: &FhirStore, pid: &str, id: &str) {
    let ctx = citizen(pid);
    store
        .read(&ctx, "DocumentReference", id)
        .await
        .expect("the citizen reads the letter");
    store.note_letter_opened(&ctx, id).await;
}

async fn adult(store: &FhirStore, id: &str, (age, n): (i32, u16), telecom: Value) -> String {
    let (fnr, birth) = pid(age, n);
    let mut p = patient(id, &fnr, birth);
    p["telecom"] = telecom;
    put(store, p).await;
    fnr
}

/// Unread for 7 days: one reminder at day 7, delivered once; not again on later
/// rounds nor from a new deliverer (a restart); none before day 7.
pub async fn unread_letter_reminded_once(store: &FhirStore) {
    let sink = SmtpSink::start().await;
    let fnr = adult(
        store,
        "kari",
        (40, 21),
        json!([{"system": "email", "value": "kari@example.no"}]),
    )
    .await;
    put(store, letter("brev-1", "kari", &instant(Utc::now()), None)).await;
    let t0 = Utc::now();
    let d = deliverer(store, &sink, None);
    assert_eq!(round(&d, t0).await, 1);
    assert_eq!(round(&d, t0 + days(6)).await, 0, "not before day 7");
    assert_eq!(
        round(&d, t0 + days(7) + chrono::Duration::seconds(5)).await,
        1
    );
    assert_eq!(round(&d, t0 + days(8)).await, 0);
    let restarted = deliverer(store, &sink, None);
    assert_eq!(
        round(&restarted, t0 + days(30)).await,
        0,
        "a restart sends nothing again"
    );
    let mail = "kari@example.no".to_owned();
    assert_eq!(
        bodies(&sink),
        [
            (mail.clone(), NEW_LETTER.to_owned()),
            (mail, REMINDER.to_owned())
        ]
    );
    let item = "DocumentReference/brev-1";
    assert_eq!(
        outbox(store, "kari").await,
        [
            (fnr.clone(), item.to_owned(), true, false),
            (fnr, format!("{item}#reminder"), true, false)
        ]
    );
}

/// Read before day 7 (shown as the portal and the API show it): no
/// reminder; the unit sees the receipt Task, completed, naming the reader.
pub async fn read_letter_not_reminded(store: &FhirStore) {
    let sink = SmtpSink::start().await;
    let fnr = adult(
        store,
        "ola",
        (35, 22),
        json!([{"system": "email", "value": "ola@example.no"}]),
    )
    .await;
    put(
        store,
        letter("brev-2", "ola", &instant(Utc::now()), Some("q-1")),
    )
    .await;
    let t0 = Utc::now();
    let d = deliverer(store, &sink, None);
    assert_eq!(round(&d, t0).await, 1);
    open_letter(store, &fnr, "brev-2").await;
    // Reading again writes no second receipt.
    open_letter(store, &fnr, "brev-2").await;
    let task = store
        .read(&hospital_system(), "Task", "letter-read-brev-2")
        .await
        .expect("the unit reads the receipt");
    assert_eq!(task.version, 1);
    let task: Value = serde_json::from_str(&task.body).expect("json");
    assert_eq!(task["status"], "completed");
    assert_eq!(task["focus"]["reference"], "DocumentReference/brev-2");
    assert_eq!(
        task["output"][0]["valueReference"]["reference"],
        "Patient/ola"
    );
    assert_eq!(round(&d, t0 + days(8)).await, 0);
    assert_eq!(
        bodies(&sink),
        [("ola@example.no".to_owned(), NEW_LETTER.to_owned())]
    );
    let item = "DocumentReference/brev-2";
    assert_eq!(
        outbox(store, "ola").await,
        [
            (fnr.clone(), item.to_owned(), true, false),
            (fnr, format!("{item}#reminder"), false, true)
        ]
    );
}

/// A letter to an 8-year-old: both parents are told; one parent reads it; neither is
/// reminded, and the receipt names that parent.
pub async fn parent_reading_counts(store: &FhirStore) {
    let sink = SmtpSink::start().await;
    let (child, cb) = pid(8, 24);
    put(store, patient("barn", &child, cb)).await;
    let mut parents = Vec::new();
    for (id, mail, (age, n)) in [
        ("mor", "mor@example.no", (38, 3)),
        ("far", "far@example.no", (39, 4)),
    ] {
        let (fnr, birth) = pid(age, n);
        let mut rp = parent(id, "barn", &fnr, birth, cb);
        rp["telecom"] = json!([{"system": "email", "value": mail}]);
        put(store, rp).await;
        parents.push(fnr);
    }
    put(store, letter("brev-3", "barn", &instant(Utc::now()), None)).await;
    let t0 = Utc::now();
    let d = deliverer(store, &sink, None);
    assert_eq!(round(&d, t0).await, 2);
    open_letter(store, &parents[0], "brev-3").await;
    let task = store
        .read(&hospital_system(), "Task", "letter-read-brev-3")
        .await
        .expect("receipt");
    let task: Value = serde_json::from_str(&task.body).expect("json");
    assert_eq!(
        task["output"][0]["valueReference"]["reference"],
        "RelatedPerson/mor"
    );
    assert!(!task.to_string().contains(parents[0].as_str()));
    assert_eq!(round(&d, t0 + days(10)).await, 0);
    let mut to: Vec<String> = bodies(&sink).into_iter().map(|(t, _)| t).collect();
    to.sort();
    assert_eq!(to, ["far@example.no", "mor@example.no"]);
    let withdrawn = outbox(store, "barn")
        .await
        .into_iter()
        .filter(|e| e.3)
        .count();
    assert_eq!(withdrawn, 2);
}

/// SMS turned off: only the mail; then e-mail off and SMS on: only the SMS. A record
/// system may not set a citizen's choice.
pub async fn channel_choice_is_honoured(store: &FhirStore) {
    let sink = SmtpSink::start().await;
    let gateway = FakeSmsGateway::start(SMS_KEY).await;
    let fnr = adult(
        store,
        "siri",
        (50, 23),
        json!([{"system": "email", "value": "siri@example.no"}, {"system": "sms", "value": "+4791111111"}]),
    )
    .await;
    let me = citizen(&fnr);
    assert_eq!(
        store.my_channels(&me).await.expect("read"),
        Channels {
            email: true,
            sms: true
        }
    );
    store
        .set_my_channels(
            &me,
            Channels {
                email: true,
                sms: false,
            },
        )
        .await
        .expect("choose");
    assert!(store
        .set_my_channels(
            &hospital_system(),
            Channels {
                email: false,
                sms: false
            }
        )
        .await
        .is_err());
    put(store, letter("brev-4", "siri", &instant(Utc::now()), None)).await;
    let t0 = Utc::now();
    let d = deliverer(store, &sink, Some(&gateway));
    assert_eq!(round(&d, t0).await, 1);
    assert_eq!((sink.mails().len(), gateway.requests()), (1, 0));
    store
        .set_my_channels(
            &me,
            Channels {
                email: false,
                sms: true,
            },
        )
        .await
        .expect("choose again");
    assert_eq!(
        store.my_channels(&me).await.expect("read"),
        Channels {
            email: false,
            sms: true
        }
    );
    put(store, letter("brev-5", "siri", &instant(t0), None)).await;
    assert_eq!(round(&d, Utc::now()).await, 1);
    assert_eq!((sink.mails().len(), gateway.requests()), (1, 1));
    assert_eq!(gateway.accepted()[0].to, "+4791111111");
}

/// `--letter-reminder-days 2`: the reminder falls due after two days.
pub async fn reminder_delay_is_configurable(store: &FhirStore) {
    let store = store.with_letter_reminder_days(2);
    let sink = SmtpSink::start().await;
    adult(
        &store,
        "per",
        (40, 1),
        json!([{"system": "email", "value": "per@example.no"}]),
    )
    .await;
    put(&store, letter("brev-6", "per", &instant(Utc::now()), None)).await;
    let t0 = Utc::now();
    let d = deliverer(&store, &sink, None);
    assert_eq!(round(&d, t0).await, 1);
    assert_eq!(round(&d, t0 + days(1)).await, 0);
    assert_eq!(
        round(&d, t0 + days(2) + chrono::Duration::seconds(5)).await,
        1
    );
    assert_eq!(bodies(&sink)[1].1, REMINDER);
}

macro_rules! scenarios {
    ($make:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = $make.await;
                super::$name(&store).await;
            }
        )*
    };
}

macro_rules! all_scenarios {
    ($make:expr) => {
        scenarios!($make; unread_letter_reminded_once, read_letter_not_reminded,
            parent_reading_counts, channel_choice_is_honoured, reminder_delay_is_configurable);
    };
}

mod sqlite {
    use super::*;

    async fn fresh() -> (FhirStore, ()) {
        let backend =
            nordlys_store_sqlite::SqliteBackend::in_memory().expect("open an in-memory store");
        let store = FhirStore::new(Arc::new(backend), StoreConfig::default());
        store.migrate().await.expect("migrate");
        (store, ())
    }

    all_scenarios!(fresh());
}

mod postgres {
    use super::*;
    use nordlys_testkit::postgres::{fresh_database, DropGuard};

    async fn fresh() -> (FhirStore, DropGuard) {
        let (url, guard) = fresh_database().await;
        let backend = nordlys_store_postgres::PostgresBackend::connect(&url)
            .await
            .expect("connect");
        let store = FhirStore::new(Arc::new(backend), StoreConfig::default());
        store.migrate().await.expect("migrate");
        (store, guard)
    }

    all_scenarios!(fresh());
}
