//! Helpers shared by this crate's integration tests: a fresh migrated database per
//! test, request contexts and hand-built writes with exactly the index rows wanted.
#![allow(dead_code)] // each test file uses a different subset

use nordlys_fhir::{IndexEntry, IndexValue};
use nordlys_store::{Backend, Committed, ItemColumns, PendingWrite, Precondition, RequestContext};
use nordlys_store_postgres::PostgresBackend;
use nordlys_testkit::postgres::{fresh_database, DropGuard};
use serde_json::{json, Value};

/// A migrated backend on its own database; keep the guard alive for the test.
pub async fn backend() -> (PostgresBackend, DropGuard) {
    let (url, guard) = fresh_database().await;
    let backend = PostgresBackend::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e:?}"));
    backend
        .migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e:?}"));
    (backend, guard)
}

/// A migrated `FhirStore` on its own database (the service suites of testkit run on it);
/// keep the guard alive for the test.
pub async fn store() -> (nordlys_store::FhirStore, DropGuard) {
    let (backend, guard) = backend().await;
    let store = nordlys_store::FhirStore::new(
        std::sync::Arc::new(backend),
        nordlys_store::StoreConfig::default(),
    );
    (store, guard)
}

pub fn ctx() -> RequestContext {
    nordlys_testkit::fixtures::hospital_system()
}

/// A write of `{"resourceType": rt, "id": id, ...extra}` with the given index rows.
pub fn put(rt: &str, id: &str, extra: Value, index: Vec<IndexEntry>) -> PendingWrite {
    let mut resource = json!({"resourceType": rt, "id": id});
    if let (Value::Object(r), Value::Object(e)) = (&mut resource, extra) {
        r.extend(e);
    }
    PendingWrite {
        resource_type: rt.into(),
        id: id.into(),
        precondition: Precondition::Any,
        content_hash: nordlys_store::model::content_hash(&resource),
        resource: Some(resource),
        index,
        columns: ItemColumns {
            patient_id: None,
            owner_org: Some("983974899".into()),
            facts: None,
        },
        skip_if_unchanged: false,
        chained: false,
    }
}

pub fn delete(rt: &str, id: &str) -> PendingWrite {
    PendingWrite {
        resource_type: rt.into(),
        id: id.into(),
        precondition: Precondition::Any,
        resource: None,
        index: Vec::new(),
        columns: ItemColumns::default(),
        content_hash: String::new(),
        skip_if_unchanged: false,
        chained: false,
    }
}

pub fn with(mut w: PendingWrite, precondition: Precondition) -> PendingWrite {
    w.precondition = precondition;
    w
}

pub fn string(param: &str, value: &str) -> IndexEntry {
    IndexEntry {
        param: param.into(),
        value: IndexValue::String {
            norm: nordlys_fhir::text::normalize_str(value),
            exact: value.into(),
        },
    }
}

pub fn token(param: &str, system: Option<&str>, code: &str) -> IndexEntry {
    IndexEntry {
        param: param.into(),
        value: IndexValue::Token {
            system: system.map(Into::into),
            code: code.into(),
        },
    }
}

pub fn reference(param: &str, target_type: &str, target_id: &str) -> IndexEntry {
    IndexEntry {
        param: param.into(),
        value: IndexValue::Reference {
            target_type: Some(target_type.into()),
            target_id: Some(target_id.into()),
            url: format!("{target_type}/{target_id}"),
        },
    }
}

/// A date index row for a whole UTC day `YYYY-MM-DD`.
pub fn day(param: &str, date: &str) -> IndexEntry {
    let low = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .unwrap_or_else(|e| panic!("bad test date {date}: {e}"))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp_millis();
    IndexEntry {
        param: param.into(),
        value: IndexValue::Date {
            low,
            high: low + 86_399_999,
        },
    }
}

pub fn quantity(param: &str, value: f64, code: &str) -> IndexEntry {
    IndexEntry {
        param: param.into(),
        value: IndexValue::Quantity {
            value,
            system: Some("http://unitsofmeasure.org".into()),
            code: Some(code.into()),
        },
    }
}

pub async fn commit(b: &PostgresBackend, writes: Vec<PendingWrite>) -> Vec<Committed> {
    b.commit(&ctx(), writes)
        .await
        .unwrap_or_else(|e| panic!("commit: {e:?}"))
}

pub fn uri(param: &str, value: &str) -> IndexEntry {
    IndexEntry {
        param: param.into(),
        value: IndexValue::Uri {
            value: value.into(),
        },
    }
}

pub fn number(param: &str, value: f64) -> IndexEntry {
    IndexEntry {
        param: param.into(),
        value: IndexValue::Number { value },
    }
}

/// `w` in `patient`'s compartment.
pub fn of_patient(mut w: PendingWrite, patient: &str) -> PendingWrite {
    w.columns.patient_id = Some(patient.into());
    w
}
