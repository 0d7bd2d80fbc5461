use std::collections::BTreeMap;
use nordlys_testkit::server::{TestServer, entry_ids};
use serde_json::{json, Value};

async fn demo() -> (TestServer, nordlys_synth::DemoRegion) {
    let server = TestServer::start().await;
    let today = nordlys_policy::oslo_today(chrono::Utc::now());
    let region = nordlys_synth::demo_region(today);
    let mut by: BTreeMap<Option<String>, Vec<Value>> = BTreeMap::new();
    for r in &region.resources { by.entry(nordlys_synth::source_orgnr(r).map(str::to_owned)).or_default().push(r.clone()); }
    for (org, rs) in by { let rep = server.store.unchecked_import(rs, org.as_deref()).await.unwrap(); assert!(rep.failed.is_empty(), "{:?}", rep.failed); }
    (server, region)
}

fn param(p: &Value, name: &str) -> String {
    let Some(a) = p["parameter"].as_array() else { return p.to_string() };
    a.iter().filter(|x| x["name"] == name).map(|x| x.to_string()).collect::<Vec<_>>().join(",")
}

#[tokio::test]
async fn probe() {
    let (s, region) = demo().await;
    let pid = |k: &str| region.persons.iter().find(|p| p.key == k).unwrap().pid.clone();
    let ward = s.practitioner_token("565501872", "983974899", None).await;
    let items = ["DocumentReference/doc-child-13-bup-1","DocumentReference/doc-child-13-gp-1","DocumentReference/doc-child-13-gp-3","DocumentReference/doc-child-13-barn-1","ServiceRequest/referral-2","ServiceRequest/referral-1","DiagnosticReport/dr-child-13-lab-1", "MedicationStatement/medst-child-13-ventoline", "Patient/child-13"];
    for who in ["mother", "child-13"] {
        for it in items {
            let (st, b) = s.get(&format!("/fhir/Patient/child-13/$explain?item={it}&as=citizen:{}", pid(who)), &ward).await;
            println!("{who} {it} {st} level={} reason={} opens={} rel={}", param(&b,"level"), param(&b,"reason"), param(&b,"opensAt"), param(&b, "relation"));
        }
    }
    for (who, pat) in [("child-8","child-8"),("child-17","child-17"),("foster-child","foster-child"),("elderly-father","elderly-father")] {
        let _ = who;
        for pers in ["mother","foster-parent","birth-mother","adult"] {
            let t = s.citizen_token(&pid(pers)).await;
            let (st, b) = s.get(&format!("/fhir/Patient/{pat}/$everything"), &t).await;
            println!("{pers} everything {pat}: {st} {:?}", entry_ids(&b, None));
        }
    }
}
