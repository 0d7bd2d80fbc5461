//! The booking suite (issue 6 § 1): the race — 100 citizens, 10 free slots, exactly 10
//! bookings and 90 clear 409s, no slot booked twice — and the rules of changing,
//! cancelling and booking for someone else. Each backend crate runs it with
//! `nordlys_testkit::booking_tests!(async { (store, guard) });`.
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use nordlys_fhir::ids::{generate_fnr, individual_range};
use nordlys_policy::{FNR_SYSTEM, PARENTAL_RESPONSIBILITY_URL};
use nordlys_store::{FhirStore, RequestContext, StoreError, CANCEL_DEADLINE_URL};
use serde_json::{json, Value};

use crate::fixtures::{citizen, hospital_system, other_system, HOSPITAL_ORG};

/// Generates one `#[tokio::test]` per scenario; `$make` produces a future of
/// `(a fresh, migrated FhirStore, a guard kept alive for the test)`.
#[macro_export]
macro_rules! booking_tests {
    ($make:expr) => {
        $crate::booking_tests!(@each $make;
            race_hundred_citizens_ten_slots, change_and_cancel_rules,
            parents_book_for_young_children_only, cancelling_frees_only_the_units_own_slot);
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = $make.await;
                $crate::booking::$name(&store).await;
            }
        )*
    };
}

const HOME: &str = "Storgata 1";

/// Synthetic national ids for people `years` old, distinct by `n` (skips individual
/// numbers whose control digits fail).
pub fn person(years: i32, n: u16) -> (String, NaiveDate) {
    let t = Utc::now().date_naive();
    let birth = NaiveDate::from_ymd_opt(t.year() - years - 1, 1, 15).unwrap_or(NaiveDate::MIN);
    let first = individual_range(birth.year()).map_or(0, |r| *r.start());
    (0..400u16)
        .filter_map(|k| generate_fnr(birth, first + k, true))
        .nth(usize::from(n))
        .map(|f| (f, birth))
        .unwrap_or_else(|| panic!("no fnr for {birth} / {n}"))
}

fn address() -> Value {
    json!([{"use": "home", "type": "physical", "line": [HOME], "postalCode": "9010", "city": "Tromsø", "country": "NO"}])
}

/// A patient `id` with national id `fnr`, born `birth`, living at the shared address.
pub fn patient(id: &str, fnr: &str, birth: NaiveDate) -> Value {
    json!({"resourceType": "Patient", "id": id,
        "identifier": [{"system": FNR_SYSTEM, "value": fnr}],
        "name": [{"family": "Nordmann", "given": [id]}],
        "birthDate": birth.format("%Y-%m-%d").to_string(), "address": address()})
}

/// A parent (RelatedPerson with parental responsibility since `since`), same address.
pub fn parent(id: &str, patient_id: &str, fnr: &str, birth: NaiveDate, since: NaiveDate) -> Value {
    json!({"resourceType": "RelatedPerson", "id": id, "active": true,
        "patient": {"reference": format!("Patient/{patient_id}")},
        "identifier": [{"use": "official", "system": FNR_SYSTEM, "value": fnr}],
        "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "PRN"}]}],
        "name": [{"family": "Nordmann", "given": [id]}],
        "birthDate": birth.format("%Y-%m-%d").to_string(), "address": address(),
        "extension": [{"url": PARENTAL_RESPONSIBILITY_URL, "valueBoolean": true}],
        "period": {"start": since.format("%Y-%m-%d").to_string()}})
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A Schedule (with a cancellation deadline in hours, if given).
pub fn schedule(id: &str, deadline_hours: Option<i64>) -> Value {
    let mut s = json!({"resourceType": "Schedule", "id": id, "active": true,
        "serviceType": [{"text": "Time hos fastlege"}], "comment": "Time hos fastlege",
        "actor": [{"reference": "Practitioner/gp-1"}, {"reference": "Location/gp-office"}]});
    if let Some(h) = deadline_hours {
        s["extension"] = json!([{"url": CANCEL_DEADLINE_URL, "valueInteger": h}]);
    }
    s
}

/// A free 20-minute Slot starting `from_now`.
pub fn slot(id: &str, schedule: &str, from_now: Duration) -> Value {
    let start = Utc::now() + from_now;
    json!({"resourceType": "Slot", "id": id, "schedule": {"reference": format!("Schedule/{schedule}")},
        "status": "free", "start": at(start), "end": at(start + Duration::minutes(20))})
}

async fn put(store: &FhirStore, resource: Value) {
    let rt = resource["resourceType"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let id = resource["id"].as_str().unwrap_or_default().to_string();
    if let Err(e) = store
        .update(&hospital_system(), &rt, &id, resource, None)
        .await
    {
        panic!("put {rt}/{id}: {e:?}");
    }
}

async fn read(store: &FhirStore, rt: &str, id: &str) -> Value {
    let stored = store
        .read(&hospital_system(), rt, id)
        .await
        .unwrap_or_else(|e| panic!("read {rt}/{id}: {e:?}"));
    serde_json::from_str(&stored.body).unwrap_or_default()
}

async fn status(store: &FhirStore, rt: &str, id: &str) -> String {
    read(store, rt, id).await["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// 100 citizens (distinct patients) race for 10 free slots, ten per slot, all at once.
pub async fn race_hundred_citizens_ten_slots(store: &FhirStore) {
    put(store, schedule("race", None)).await;
    for s in 0..10 {
        put(
            store,
            slot(
                &format!("race-{s}"),
                "race",
                Duration::days(3) + Duration::hours(s),
            ),
        )
        .await;
    }
    let mut people = Vec::new();
    for i in 0..100u16 {
        let (fnr, birth) = person(30 + i32::from(i % 40), i);
        put(store, patient(&format!("racer-{i}"), &fnr, birth)).await;
        people.push(fnr);
    }
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(100));
    let mut tasks = Vec::new();
    for (i, fnr) in people.into_iter().enumerate() {
        let (store, start) = (store.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            let ctx = citizen(&fnr);
            start.wait().await;
            store
                .book(&ctx, &format!("racer-{i}"), &format!("race-{}", i % 10))
                .await
        }));
    }
    let (mut booked, mut taken, mut other) = (Vec::new(), 0, Vec::new());
    for t in tasks {
        match t.await {
            Ok(Ok(a)) => booked.push(a),
            Ok(Err(StoreError::Conflict(msg))) => {
                assert!(msg.contains("just taken"), "{msg}");
                taken += 1;
            }
            Ok(Err(e)) => other.push(format!("{e:?}")),
            Err(e) => other.push(format!("task: {e}")),
        }
    }
    assert_eq!(other, Vec::<String>::new());
    assert_eq!((booked.len(), taken), (10, 90));
    let mut slots: Vec<String> = booked
        .iter()
        .map(|a| {
            let v: Value = serde_json::from_str(&a.body).unwrap_or_default();
            v["slot"][0]["reference"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    slots.sort();
    let want: Vec<String> = (0..10).map(|s| format!("Slot/race-{s}")).collect();
    assert_eq!(slots, want, "every slot booked exactly once");
    for s in 0..10 {
        assert_eq!(status(store, "Slot", &format!("race-{s}")).await, "busy");
    }
    let request = store
        .parse_search("Appointment", &[("status".into(), "booked".into())], false)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let found = store
        .search(&hospital_system(), &request)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(found.matches.len(), 10, "exactly 10 Appointments stored");
    for a in &booked {
        assert_eq!(
            a.columns.owner_org.as_deref(),
            Some(HOSPITAL_ORG),
            "owned by the unit"
        );
    }
}

fn rule_broken(r: &Result<nordlys_store::StoredResource, StoreError>) -> String {
    match r {
        Err(StoreError::Invalid(issues)) => issues
            .iter()
            .map(|i| i.diagnostics.clone())
            .collect::<Vec<_>>()
            .join("; "),
        other => panic!("expected a broken rule (422), got {other:?}"),
    }
}

/// Change and cancel: atomic, freeing the old slot; refused after the deadline (the
/// default 24 h, or the schedule's own); cancelling twice and booking a busy slot fail.
pub async fn change_and_cancel_rules(store: &FhirStore) {
    put(store, schedule("gp", None)).await;
    put(store, schedule("gp-short", Some(1))).await;
    put(store, slot("a", "gp", Duration::days(3))).await;
    put(store, slot("b", "gp", Duration::days(4))).await;
    put(store, slot("soon", "gp", Duration::hours(2))).await;
    put(store, slot("soon-short", "gp-short", Duration::hours(2))).await;
    let (fnr, birth) = person(40, 1);
    put(store, patient("adult", &fnr, birth)).await;
    let me = citizen(&fnr);

    let first = store
        .book(&me, "adult", "a")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(status(store, "Slot", "a").await, "busy");
    let taken = store.book(&me, "adult", "a").await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");

    let moved = store
        .rebook(&me, &first.id, "b")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_ne!(moved.id, first.id);
    assert_eq!(status(store, "Appointment", &first.id).await, "cancelled");
    assert_eq!(status(store, "Appointment", &moved.id).await, "booked");
    assert_eq!(status(store, "Slot", "a").await, "free");
    assert_eq!(status(store, "Slot", "b").await, "busy");
    // A move to a time someone else holds fails whole: nothing cancelled, nothing freed.
    let (other, ob) = person(41, 7);
    put(store, patient("other", &other, ob)).await;
    let theirs = store
        .book(&citizen(&other), "other", "a")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let blocked = store.rebook(&me, &moved.id, "a").await;
    assert!(
        matches!(blocked, Err(StoreError::Conflict(_))),
        "{blocked:?}"
    );
    assert_eq!(status(store, "Appointment", &moved.id).await, "booked");
    assert_eq!(status(store, "Slot", "b").await, "busy");
    store
        .cancel(&citizen(&other), &theirs.id, "Trenger ikke")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(status(store, "Slot", "a").await, "free");

    let cancelled = store
        .cancel(&me, &moved.id, "Kan ikke komme")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let v: Value = serde_json::from_str(&cancelled.body).unwrap_or_default();
    assert_eq!(
        (
            v["status"].as_str(),
            v["cancelationReason"]["text"].as_str()
        ),
        (Some("cancelled"), Some("Kan ikke komme"))
    );
    assert_eq!(status(store, "Slot", "b").await, "free");
    let twice = rule_broken(&store.cancel(&me, &moved.id, "igjen").await);
    assert!(twice.contains("cancelled"), "{twice}");

    // Two hours ahead: the default deadline (24 h) has passed, the short one (1 h) not.
    let soon = store
        .book(&me, "adult", "soon")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let late = rule_broken(&store.cancel(&me, &soon.id, "for sent").await);
    assert!(late.contains("too late"), "{late}");
    let late_move = rule_broken(&store.rebook(&me, &soon.id, "a").await);
    assert!(late_move.contains("too late"), "{late_move}");
    assert_eq!(
        status(store, "Slot", "a").await,
        "free",
        "a refused change writes nothing"
    );
    assert_eq!(status(store, "Appointment", &soon.id).await, "booked");
    // The unit itself may still cancel.
    store
        .cancel(&hospital_system(), &soon.id, "Legen er syk")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let short = store
        .book(&me, "adult", "soon-short")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    store
        .cancel(&me, &short.id, "Ombestemt meg")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));

    // Citizens still cannot write an Appointment directly.
    let mut direct: Value = serde_json::from_str(&first.body).unwrap_or_default();
    direct["status"] = json!("booked");
    let put_direct = store
        .update(&me, "Appointment", &first.id, direct, None)
        .await;
    assert!(
        matches!(put_direct, Err(StoreError::Forbidden(_))),
        "{put_direct:?}"
    );
    let unknown = store.book(&me, "adult", "no-such-slot").await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound { .. })),
        "{unknown:?}"
    );
}

/// A parent books for an 8-year-old (appointments: full for a child under 12) but not
/// for a 13-year-old (seen by name and age only: 403) nor a 17-year-old (none, and the
/// patient hidden: answered as unknown, 404); a stranger books for nobody.
pub async fn parents_book_for_young_children_only(store: &FhirStore) {
    put(store, schedule("gp", None)).await;
    put(store, slot("s1", "gp", Duration::days(3))).await;
    put(store, slot("s2", "gp", Duration::days(4))).await;
    let (mother, mb) = person(40, 2);
    let (child, cb) = person(8, 3);
    let (young, yb) = person(17, 4);
    let (stranger, _) = person(50, 5);
    put(store, patient("child", &child, cb)).await;
    put(store, patient("young", &young, yb)).await;
    put(store, parent("mother-of-child", "child", &mother, mb, cb)).await;
    put(store, parent("mother-of-young", "young", &mother, mb, yb)).await;
    let mum = citizen(&mother);

    let a = store
        .book(&mum, "child", "s1")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(a.columns.patient_id.as_deref(), Some("child"));
    assert_eq!(a.columns.owner_org.as_deref(), Some(HOSPITAL_ORG));
    let refused = store.book(&mum, "young", "s2").await;
    assert!(
        matches!(&refused, Err(StoreError::NotFound { resource_type, .. }) if resource_type == "Patient"),
        "{refused:?}"
    );
    // A youth of 13: the parent sees name and age, not appointments — refused (403).
    let (youth, yb13) = person(13, 6);
    put(store, patient("youth", &youth, yb13)).await;
    put(store, parent("mother-of-youth", "youth", &mother, mb, yb13)).await;
    let youth_try = store.book(&mum, "youth", "s2").await;
    assert!(
        matches!(youth_try, Err(StoreError::Forbidden(_))),
        "{youth_try:?}"
    );
    let stranger_try = store.book(&citizen(&stranger), "child", "s2").await;
    assert!(
        matches!(stranger_try, Err(StoreError::NotFound { .. })),
        "{stranger_try:?}"
    );
    let stranger_cancel = store.cancel(&citizen(&stranger), &a.id, "x").await;
    assert!(
        matches!(stranger_cancel, Err(StoreError::NotFound { .. })),
        "{stranger_cancel:?}"
    );
    assert_eq!(
        status(store, "Slot", "s2").await,
        "free",
        "refusals write nothing"
    );
    // The mother may cancel her child's appointment.
    let ctx: RequestContext = citizen(&mother);
    store
        .cancel(&ctx, &a.id, "Syk")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
}

/// Cancelling an appointment frees its slot only when the slot is the appointment
/// owner's: another organisation's system that writes an Appointment naming the
/// hospital's busy slot (someone else's booking) must not, by cancelling it, set the
/// hospital's slot free for a second booking — a write past the owner check.
pub async fn cancelling_frees_only_the_units_own_slot(store: &FhirStore) {
    put(store, schedule("gp", None)).await;
    put(store, slot("h1", "gp", Duration::days(3))).await;
    let (fnr, birth) = person(40, 3);
    put(store, patient("owner", &fnr, birth)).await;
    let booked = store
        .book(&citizen(&fnr), "owner", "h1")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(status(store, "Slot", "h1").await, "busy");

    let mut foreign: Value = serde_json::from_str(&booked.body).unwrap_or_default();
    foreign["id"] = json!("foreign-appt");
    if let Some(o) = foreign.as_object_mut() {
        o.remove("meta");
    }
    if let Err(e) = store
        .update(
            &other_system(),
            "Appointment",
            "foreign-appt",
            foreign,
            None,
        )
        .await
    {
        panic!("other org writes its appointment: {e:?}");
    }
    store
        .cancel(&other_system(), "foreign-appt", "Avlyst")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let theirs = store
        .read(&other_system(), "Appointment", "foreign-appt")
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(theirs.body.contains("\"cancelled\""), "{}", theirs.body);
    assert_eq!(status(store, "Slot", "h1").await, "busy");
    assert_eq!(status(store, "Appointment", &booked.id).await, "booked");
}
