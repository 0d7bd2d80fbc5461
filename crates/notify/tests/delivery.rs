//! Delivery end to end on both stores: documents written through the store, the
//! outbox decided by the policy, mails arriving at a real SMTP server (the testkit
//! sink) and SMS at a fake HTTP gateway — exactly what arrived, to whom, in which
//! language, and that nothing clinical did.
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use nordlys_notify::{Backoff, Deliverer, DeliveryConfig, RoundReport, SmsGateway, SmtpChannel};
use nordlys_store::{FhirStore, StoreConfig};
use nordlys_testkit::fixtures::hospital_system;
use nordlys_testkit::notify::{document, instant, parent, patient, pid, put};
use nordlys_testkit::sms::FakeSmsGateway;
use nordlys_testkit::smtp::SmtpSink;
use serde_json::json;

const PORTAL: &str = "https://helse.example.no/";
const FROM: &str = "Nordlys helse <varsel@helse.example.no>";
const SMS_KEY: &str = "test-key";
/// A document text that must never reach a mail or an SMS.
const CLINICAL: &str = "Utredning for lungekreft";

fn config() -> DeliveryConfig {
    DeliveryConfig {
        backoff: Backoff {
            first: Duration::from_secs(1),
            max: Duration::from_secs(8),
        },
        lease: Duration::from_secs(60),
        ..DeliveryConfig::new(PORTAL)
    }
}

fn mailer(store: &FhirStore, sink: &SmtpSink) -> Deliverer {
    let smtp = SmtpChannel::new(&sink.url(), FROM).expect("smtp channel");
    Deliverer::new(store.clone(), config()).with_channel(Arc::new(smtp))
}

async fn round(d: &Deliverer, at: chrono::DateTime<Utc>) -> RoundReport {
    d.run_once(at).await.expect("delivery round")
}

fn report(delivered: usize, failed: usize, unreachable: usize) -> RoundReport {
    RoundReport {
        delivered,
        failed,
        unreachable,
    }
}

async fn entries(store: &FhirStore, patient_id: &str) -> Vec<nordlys_store::OutboxEntry> {
    store
        .outbox_of_patient(&hospital_system(), patient_id)
        .await
        .expect("outbox")
}

/// An adult's new document: exactly one mail, in the language of their record, with
/// the kind of news and the portal's address only; a second round sends nothing.
pub async fn adult_gets_one_mail_in_their_language(store: &FhirStore) {
    let sink = SmtpSink::start().await;
    let (fnr, birth) = pid(40, 21);
    let mut p = patient("adult", &fnr, birth);
    p["telecom"] = json!([{"system": "phone", "use": "home", "value": "+4773000000"},
        {"system": "email", "value": "gammel@example.no", "rank": 2},
        {"system": "email", "value": "kari@example.no", "rank": 1}]);
    p["communication"] = json!([{"preferred": true, "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "nn"}]}}]);
    put(store, p).await;
    put(
        store,
        document("doc-mail", "adult", &instant(Utc::now()), None, CLINICAL),
    )
    .await;
    let d = mailer(store, &sink);
    assert_eq!(round(&d, Utc::now()).await, report(1, 0, 0));
    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let m = &mails[0];
    assert_eq!(m.to, ["kari@example.no"]);
    assert_eq!(m.from, "varsel@helse.example.no");
    assert_eq!(m.header("Subject").as_deref(), Some("Nytt i Nordlys helse"));
    assert_eq!(
        m.body(),
        "Du har eit nytt dokument i Nordlys helse.\nLogg inn for å lese: https://helse.example.no/\n\n\
         Denne meldinga er send automatisk og kan ikkje svarast på.\n"
    );
    for secret in [
        CLINICAL,
        "doc-mail",
        "Notat",
        "Nordmann",
        "adult",
        fnr.as_str(),
    ] {
        assert!(
            !m.data.contains(secret),
            "{secret:?} in the mail: {}",
            m.data
        );
    }
    assert_eq!(round(&d, Utc::now()).await, report(0, 0, 0));
    assert_eq!(sink.mails().len(), 1);
    let e = entries(store, "adult").await;
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].attempts, e[0].delivered.is_some()), (1, true));
}

/// The gateway fails twice: the SMS goes out on the third attempt, each retry only
/// once its backoff (1 s, then 2 s) has passed.
pub async fn sms_delivered_on_the_third_try(store: &FhirStore) {
    let gateway = FakeSmsGateway::start(SMS_KEY).await;
    let (fnr, birth) = pid(35, 22);
    let mut p = patient("texted", &fnr, birth);
    p["telecom"] = json!([{"system": "sms", "value": "+4791234567"}]);
    p["communication"] = json!([{"language": {"coding": [{"code": "en"}]}}]);
    put(store, p).await;
    put(
        store,
        document("doc-sms", "texted", &instant(Utc::now()), None, CLINICAL),
    )
    .await;
    let sms = SmsGateway::new(&gateway.url(), SMS_KEY).expect("gateway");
    let d = Deliverer::new(store.clone(), config()).with_channel(Arc::new(sms));
    gateway.fail_next(2);
    let t0 = Utc::now();
    let ms = chrono::Duration::milliseconds;
    assert_eq!(round(&d, t0).await, report(0, 1, 0));
    assert_eq!(
        round(&d, t0 + ms(500)).await,
        report(0, 0, 0),
        "before the backoff"
    );
    assert_eq!(gateway.requests(), 1);
    assert_eq!(round(&d, t0 + ms(1000)).await, report(0, 1, 0));
    assert_eq!(
        round(&d, t0 + ms(2500)).await,
        report(0, 0, 0),
        "second backoff is 2 s"
    );
    assert_eq!(gateway.requests(), 2);
    assert_eq!(round(&d, t0 + ms(3000)).await, report(1, 0, 0));
    assert_eq!(gateway.requests(), 3);
    let got = gateway.accepted();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, "+4791234567");
    assert_eq!(
        got[0].text,
        "You have a new document in Nordlys helse. Log in to read it: https://helse.example.no/"
    );
    assert_eq!(round(&d, t0 + ms(60_000)).await, report(0, 0, 0));
    let e = entries(store, "texted").await;
    assert_eq!((e.len(), e[0].attempts), (1, 3));
}

/// Restarts: a new deliverer on the same store sends nothing already delivered; an
/// entry claimed by a deliverer that died is sent once after its lease; two
/// deliverers running at once send a new entry once.
pub async fn exactly_once_across_restarts(store: &FhirStore) {
    let sink = SmtpSink::start().await;
    let (fnr, birth) = pid(50, 23);
    let mut p = patient("restart", &fnr, birth);
    p["telecom"] = json!([{"system": "email", "value": "ola@example.no"}]);
    put(store, p).await;
    put(
        store,
        document("doc-r1", "restart", &instant(Utc::now()), None, CLINICAL),
    )
    .await;
    let first = mailer(store, &sink);
    assert_eq!(round(&first, Utc::now()).await, report(1, 0, 0));
    drop(first);
    let second = mailer(store, &sink);
    assert_eq!(round(&second, Utc::now()).await, report(0, 0, 0));
    assert_eq!(sink.mails().len(), 1);
    // A deliverer claims the next entry and dies before sending.
    put(
        store,
        document("doc-r2", "restart", &instant(Utc::now()), None, CLINICAL),
    )
    .await;
    store.due_notifications(Utc::now(), 10).await.expect("due");
    let t0 = Utc::now();
    let claimed = store
        .claim_deliveries(t0, Duration::from_secs(60), 10)
        .await
        .expect("claim");
    assert_eq!(
        claimed.iter().map(|e| e.item.as_str()).collect::<Vec<_>>(),
        ["DocumentReference/doc-r2"]
    );
    assert_eq!(round(&second, t0).await, report(0, 0, 0), "the lease holds");
    let after_lease = t0 + chrono::Duration::seconds(61);
    assert_eq!(round(&second, after_lease).await, report(1, 0, 0));
    assert_eq!(sink.mails().len(), 2);
    // Two deliverers at once.
    put(
        store,
        document("doc-r3", "restart", &instant(Utc::now()), None, CLINICAL),
    )
    .await;
    let third = mailer(store, &sink);
    let now = after_lease + chrono::Duration::seconds(1);
    let (a, b) = tokio::join!(round(&second, now), round(&third, now));
    assert_eq!(a.delivered + b.delivered, 1, "{a:?} {b:?}");
    assert_eq!(sink.mails().len(), 3);
    assert!(sink.mails().iter().all(|m| m.to == ["ola@example.no"]));
    let e = entries(store, "restart").await;
    assert_eq!(e.iter().map(|e| e.attempts).collect::<Vec<_>>(), [1, 1, 1]);
}

/// Parents without a record of their own are reached through their RelatedPerson:
/// both parents of an 8-year-old get a mail, the parents of a 13-year-old none.
pub async fn parents_of_a_child_not_of_a_youth(store: &FhirStore) {
    let sink = SmtpSink::start().await;
    let (child, cb) = pid(8, 24);
    let (youth, yb) = pid(13, 25);
    let people = [
        ("child", cb, "mor", "mor@example.no", (38, 3)),
        ("child", cb, "far", "far@example.no", (39, 4)),
        ("youth", yb, "ymor", "ymor@example.no", (40, 6)),
        ("youth", yb, "yfar", "yfar@example.no", (41, 7)),
    ];
    put(store, patient("child", &child, cb)).await;
    put(store, patient("youth", &youth, yb)).await;
    for (kid, born, id, mail, (age, n)) in people {
        let (fnr, birth) = pid(age, n);
        let mut rp = parent(id, kid, &fnr, birth, born);
        rp["telecom"] = json!([{"system": "email", "value": mail}]);
        put(store, rp).await;
    }
    put(
        store,
        document("doc-c", "child", &instant(Utc::now()), None, CLINICAL),
    )
    .await;
    put(
        store,
        document("doc-y", "youth", &instant(Utc::now()), None, CLINICAL),
    )
    .await;
    let d = mailer(store, &sink);
    assert_eq!(round(&d, Utc::now()).await, report(2, 0, 0));
    let mut to: Vec<String> = sink.mails().into_iter().flat_map(|m| m.to).collect();
    to.sort();
    assert_eq!(to, ["far@example.no", "mor@example.no"]);
    for m in sink.mails() {
        assert!(
            !m.data.contains(CLINICAL) && !m.data.contains("child"),
            "{}",
            m.data
        );
        assert!(m
            .body()
            .starts_with("Du har et nytt dokument i Nordlys helse."));
    }
    assert_eq!(entries(store, "youth").await, Vec::new());
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
        scenarios!($make; adult_gets_one_mail_in_their_language, sms_delivered_on_the_third_try,
            exactly_once_across_restarts, parents_of_a_child_not_of_a_youth);
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
