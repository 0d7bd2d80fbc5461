//! Booking through the portal's forms on the demo region: Ingrid (the mother) books
//! a free GP time for Emma (8), is told plainly when someone else just took a time,
//! moves and cancels through the appointment's page, and is refused a cancellation
//! too close to the start; a form without the CSRF token writes nothing.
use chrono::Duration;
use nordlys_store::RequestContext;
use nordlys_testkit::booking::{schedule, slot};
use nordlys_testkit::fixtures::citizen;
use nordlys_testkit::portal::{attr_after, PortalDemo, PortalUser};
use reqwest::StatusCode;
use serde_json::Value;

/// Every `name="slot" value="…"` handle on a page, in order.
fn slot_handles(html: &str) -> Vec<String> {
    html.split("name=\"slot\" value=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect()
}

async fn emma_appointments(demo: &PortalDemo, status: &str) -> Vec<Value> {
    let store = &demo.server.store;
    let params = vec![
        ("patient".to_owned(), "Patient/child-8".to_owned()),
        ("status".to_owned(), status.to_owned()),
    ];
    let request = store
        .parse_search("Appointment", &params, false)
        .expect("search");
    let ctx: RequestContext = citizen(&demo.pid("mother"));
    store
        .search(&ctx, &request)
        .await
        .expect("search")
        .matches
        .iter()
        .map(|s| serde_json::from_str(&s.body).unwrap_or_default())
        .collect()
}

async fn booking_page(user: &PortalUser) -> String {
    let page = user.get("/booking").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    page.html
}

/// The handles offered under the unit titled `unit` (its `section`), in time order.
fn unit_handles(html: &str, unit: &str) -> Vec<String> {
    let Some(rest) = html.split(&format!("lang=\"nb\">{unit}</h2>")).nth(1) else {
        return Vec::new();
    };
    slot_handles(rest.split("</section>").next().unwrap_or_default())
}

/// A schedule "Testtime" of the demo GP with four free times 3–5 days ahead (well
/// before any deadline, whatever the time of day the test runs).
async fn test_schedule(demo: &PortalDemo) {
    let gp = demo
        .region
        .resources
        .iter()
        .find(|r| r["resourceType"] == "Schedule" && r["id"] == "schedule-gp-tromso")
        .expect("the GP's schedule");
    let owner = nordlys_synth::source_orgnr(gp).map(str::to_owned);
    let mut s = schedule("test", None);
    s["comment"] = "Testtime".into();
    s["serviceType"] = serde_json::json!([{"text": "Testtime"}]);
    let mut resources = vec![s];
    for (i, h) in [72, 73, 96, 120].iter().enumerate() {
        resources.push(slot(&format!("t{}", i + 1), "test", Duration::hours(*h)));
    }
    demo.server
        .store
        .unchecked_import(resources, owner.as_deref())
        .await
        .expect("test schedule");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mother_books_moves_and_cancels_for_emma() {
    let demo = PortalDemo::start().await;
    test_schedule(&demo).await;
    let mother = demo.login("mother").await;
    mother.act_for("Emma").await;
    let before = emma_appointments(&demo, "booked").await.len();

    let html = booking_page(&mother).await;
    assert!(
        html.contains("Time hos fastlege"),
        "the demo's units are named"
    );
    let offered = unit_handles(&html, "Testtime");
    assert_eq!(offered.len(), 4, "{html}");

    // No CSRF token: refused, nothing written.
    let forged = mother
        .post(
            "/booking/book",
            &[("slot", &offered[0]), ("_csrf", "wrong")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(emma_appointments(&demo, "booked").await.len(), before);

    // Book the first free time.
    let booked = mother.post("/booking/book", &[("slot", &offered[0])]).await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.html);
    assert_eq!(booked.location.as_deref(), Some("/booking"));
    let html = booking_page(&mother).await;
    assert!(html.contains("Timen er bestilt."), "confirmed once");
    assert_eq!(
        unit_handles(&html, "Testtime"),
        offered[1..],
        "no longer offered"
    );
    assert!(!booking_page(&mother).await.contains("Timen er bestilt."));
    assert_eq!(emma_appointments(&demo, "booked").await.len(), before + 1);

    // Her father (for Emma too) takes the second time first; the mother is told.
    let father = demo.login("father").await;
    father.act_for("Emma").await;
    let his = unit_handles(&booking_page(&father).await, "Testtime");
    let by_father = father.post("/booking/book", &[("slot", &his[0])]).await;
    assert_eq!(by_father.status, StatusCode::SEE_OTHER);
    let late = mother.post("/booking/book", &[("slot", &offered[1])]).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.html);
    assert!(
        late.html
            .contains("Noen andre bestilte akkurat denne tiden"),
        "{}",
        late.html
    );
    assert_eq!(emma_appointments(&demo, "booked").await.len(), before + 2);

    // Move the first: from its page (the form carries the page's own handle).
    let links = mother.tile_links("appointments").await;
    let tests: Vec<&(String, String)> = links.iter().filter(|(_, t)| t == "Testtime").collect();
    assert_eq!(tests.len(), 2, "{links:?}");
    let handle = tests[0].0.clone();
    let detail = mother.get(&format!("/tiles/appointments/{handle}")).await;
    assert_eq!(
        attr_after(&detail.html, "name=\"appointment\" value=\"").as_deref(),
        Some(handle.as_str())
    );
    let change = mother.get(&format!("/booking?change={handle}")).await;
    assert_eq!(change.status, StatusCode::OK);
    assert!(change.html.contains("action=\"/booking/move\""));
    let targets = unit_handles(&change.html, "Testtime");
    assert_eq!(targets.len(), 2, "t3 and t4 are still free");
    let moved = mother
        .post(
            "/booking/move",
            &[("appointment", &handle), ("slot", &targets[0])],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.html);
    let html = booking_page(&mother).await;
    assert!(html.contains("Timen er flyttet."));
    assert_eq!(
        unit_handles(&html, "Testtime"),
        [offered[0].clone(), targets[1].clone()]
    );
    let cancelled_before = emma_appointments(&demo, "cancelled").await.len();

    // Cancel one from its page.
    let links = mother.tile_links("appointments").await;
    let booked_tests: Vec<String> = {
        let mut out = Vec::new();
        for (h, _) in links.iter().filter(|(_, t)| t == "Testtime") {
            let p = mother.get(&format!("/tiles/appointments/{h}")).await;
            if p.html.contains("action=\"/booking/cancel\"") {
                out.push(h.clone());
            }
        }
        out
    };
    // The moved one and the father's are booked; the cancelled original offers none.
    assert_eq!(booked_tests.len(), 2, "{links:?}");
    let r = mother
        .post(
            "/booking/cancel",
            &[
                ("appointment", &booked_tests[0]),
                ("reason", "Emma er frisk"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    assert_eq!(
        emma_appointments(&demo, "cancelled").await.len(),
        cancelled_before + 1
    );
    let html = booking_page(&mother).await;
    assert!(html.contains("Timen er avbestilt."));
    assert_eq!(
        unit_handles(&html, "Testtime").len(),
        3,
        "its time offered again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_late_to_cancel_is_explained() {
    let demo = PortalDemo::start().await;
    let store = &demo.server.store;
    // A GP time two hours ahead, booked for Emma by her mother.
    let gp = demo
        .region
        .resources
        .iter()
        .find(|r| r["resourceType"] == "Schedule" && r["id"] == "schedule-gp-tromso")
        .expect("the GP's schedule");
    let owner = nordlys_synth::source_orgnr(gp).map(str::to_owned);
    store
        .unchecked_import(
            vec![slot("soon", "schedule-gp-tromso", Duration::hours(2))],
            owner.as_deref(),
        )
        .await
        .expect("slot");
    let mother_ctx = citizen(&demo.pid("mother"));
    let appt = store
        .book(&mother_ctx, "child-8", "soon")
        .await
        .expect("book the near time");
    let mother = demo.login("mother").await;
    mother.act_for("Emma").await;
    // The nearest upcoming appointment is listed first: the one two hours ahead.
    let mut answered = None;
    for (h, _) in mother.tile_links("appointments").await {
        let p = mother.get(&format!("/tiles/appointments/{h}")).await;
        if p.html.contains("action=\"/booking/cancel\"") {
            let r = mother.post("/booking/cancel", &[("appointment", &h)]).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.html);
            answered = Some(r.html);
            break;
        }
    }
    let html = answered.expect("a 422 for the near appointment");
    assert!(html.contains("for sent å endre eller avbestille"), "{html}");
    let stored = store
        .read(&mother_ctx, "Appointment", &appt.id)
        .await
        .expect("read");
    let v: Value = serde_json::from_str(&stored.body).unwrap_or_default();
    assert_eq!(v["status"], "booked", "nothing written");
}
