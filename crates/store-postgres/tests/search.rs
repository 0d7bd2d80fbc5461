//! Search and includes on PostgreSQL through hand-built plans, on a database
//! whose default collation is Norwegian (see `nordlys_testkit::postgres`): results and
//! their order must be those of the embedded store, i.e. byte order.
mod common;

use common::{
    backend, commit, ctx, day, delete, number, of_patient, put, quantity, reference, string, token,
    uri,
};
use nordlys_fhir::ParamType;
use nordlys_store::backend::Hit;
use nordlys_store::search::{
    Condition, DateRange, Prefix, SortKey, SortKind, StrMode, SystemMatch, UriMode, ANY_TYPE,
};
use nordlys_store::{Backend, Clause, ResourceKey, SearchPlan};
use nordlys_store_postgres::PostgresBackend;
use serde_json::json;

const GENDER: &str = "http://hl7.org/fhir/administrative-gender";
const LOINC: &str = "http://loinc.org";

/// Four live patients (ids chosen so byte order and Norwegian order differ), one
/// deleted, an organisation, three observations in their patients' compartments, a
/// value set and a risk assessment.
async fn world() -> (PostgresBackend, nordlys_testkit::postgres::DropGuard) {
    let (b, guard) = backend().await;
    let patient = |id: &str, name: &str, gender: &str, birth: Option<&str>| {
        let mut index = vec![string("name", name), token("gender", Some(GENDER), gender)];
        if let Some(d) = birth {
            index.push(day("birthdate", d));
        }
        if id == "a1" {
            index.push(reference("organization", "Organization", "org1"));
        }
        put("Patient", id, json!({"name": [{"text": name}]}), index)
    };
    let obs = |id: &str, subject: &str, code: &str, date: &str, value: f64| {
        let index = vec![
            reference("subject", "Patient", subject),
            token("code", Some(LOINC), code),
            day("date", date),
            quantity("value-quantity", value, "mmol/L"),
        ];
        of_patient(
            put("Observation", id, json!({"status": "final"}), index),
            subject,
        )
    };
    commit(
        &b,
        vec![
            put(
                "Organization",
                "org1",
                json!({}),
                vec![string("name", "Sykehuset")],
            ),
            patient("a1", "Aase", "female", Some("1980-03-15")),
            patient("Z9", "Zeta", "male", None),
            patient("b2", "Åse", "female", Some("1995-06-01")),
            patient("c3", "Øyvind", "male", Some("1970-11-30")),
            patient("d4", "Aasmund", "male", Some("1999-01-01")),
            obs("o1", "a1", "2345-7", "2026-01-10", 5.5),
            obs("o2", "b2", "2345-7", "2026-03-10", 7.2),
            obs("o3", "Z9", "718-7", "2025-12-01", 140.0),
            put(
                "ValueSet",
                "vs1",
                json!({}),
                vec![uri("url", "http://nordlys.no/fhir/ValueSet/kategori")],
            ),
            of_patient(
                put(
                    "RiskAssessment",
                    "r1",
                    json!({}),
                    vec![number("probability", 0.5)],
                ),
                "a1",
            ),
        ],
    )
    .await;
    commit(&b, vec![delete("Patient", "d4")]).await;
    (b, guard)
}

fn plan(rt: &str, clauses: Vec<Clause>, sort: Vec<SortKey>) -> SearchPlan {
    SearchPlan {
        resource_type: rt.into(),
        clauses,
        sort,
    }
}

fn matches(param: &str, kind: ParamType, c: Condition) -> Clause {
    Clause::Match {
        param: param.into(),
        kind,
        any_of: vec![c],
    }
}

fn name(mode: StrMode, v: &str) -> Clause {
    matches(
        "name",
        ParamType::String,
        Condition::Str {
            mode,
            value: v.into(),
        },
    )
}

fn sort(param: &str, kind: SortKind, descending: bool) -> Vec<SortKey> {
    vec![SortKey {
        param: param.into(),
        kind,
        descending,
    }]
}

fn ms(date: &str) -> i64 {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(|d| {
            d.and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc()
                .timestamp_millis()
        })
        .unwrap_or(0)
}

fn ids(hits: &[Hit]) -> Vec<String> {
    hits.iter().map(|h| h.key.id.clone()).collect()
}

async fn search(b: &PostgresBackend, p: SearchPlan) -> Vec<String> {
    ids(&b
        .search(&ctx(), &p)
        .await
        .unwrap_or_else(|e| panic!("search {p:?}: {e:?}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_plans_answer_like_the_embedded_store() {
    let (b, _guard) = world().await;
    let by_id = || sort("_id", SortKind::Id, false);
    let female = Condition::Token {
        system: SystemMatch::Is(GENDER.into()),
        code: Some("female".into()),
    };
    let cases: Vec<(&str, SearchPlan, Vec<&str>)> = vec![
        (
            "token",
            plan(
                "Patient",
                vec![matches("gender", ParamType::Token, female)],
                by_id(),
            ),
            vec!["a1", "b2"],
        ),
        (
            "token, any system",
            plan(
                "Patient",
                vec![matches(
                    "gender",
                    ParamType::Token,
                    Condition::Token {
                        system: SystemMatch::Any,
                        code: Some("male".into()),
                    },
                )],
                by_id(),
            ),
            vec!["Z9", "c3"],
        ),
        (
            "string prefix",
            plan("Patient", vec![name(StrMode::Prefix, "aa")], by_id()),
            vec!["a1"],
        ),
        (
            "string prefix å is not aa",
            plan("Patient", vec![name(StrMode::Prefix, "Å")], by_id()),
            vec!["b2"],
        ),
        (
            "string exact",
            plan("Patient", vec![name(StrMode::Exact, "Øyvind")], by_id()),
            vec!["c3"],
        ),
        (
            "string contains",
            plan("Patient", vec![name(StrMode::Contains, "YVI")], by_id()),
            vec!["c3"],
        ),
        (
            "date ge",
            plan(
                "Patient",
                vec![matches(
                    "birthdate",
                    ParamType::Date,
                    Condition::Date(DateRange {
                        prefix: Prefix::Ge,
                        low: ms("1990-01-01"),
                        high: ms("1990-01-02") - 1,
                    }),
                )],
                by_id(),
            ),
            vec!["b2"],
        ),
        (
            "reference",
            plan(
                "Observation",
                vec![matches(
                    "subject",
                    ParamType::Reference,
                    Condition::Reference {
                        target_type: Some("Patient".into()),
                        id: "a1".into(),
                    },
                )],
                by_id(),
            ),
            vec!["o1"],
        ),
        (
            "quantity gt",
            plan(
                "Observation",
                vec![matches(
                    "value-quantity",
                    ParamType::Quantity,
                    Condition::Quantity {
                        prefix: Prefix::Gt,
                        low: 5.95,
                        high: 6.05,
                        system: None,
                        code: Some("mmol/L".into()),
                    },
                )],
                by_id(),
            ),
            vec!["o2", "o3"],
        ),
        (
            "chain",
            plan(
                "Observation",
                vec![Clause::Chain {
                    param: "subject".into(),
                    target_types: vec!["Patient".into()],
                    inner: Box::new(name(StrMode::Prefix, "åse")),
                }],
                by_id(),
            ),
            vec!["o2"],
        ),
        (
            "_has",
            plan(
                "Patient",
                vec![Clause::Has {
                    source_type: "Observation".into(),
                    source_param: "subject".into(),
                    inner: Box::new(matches(
                        "code",
                        ParamType::Token,
                        Condition::Token {
                            system: SystemMatch::Any,
                            code: Some("718-7".into()),
                        },
                    )),
                }],
                by_id(),
            ),
            vec!["Z9"],
        ),
        (
            "missing=true",
            plan(
                "Patient",
                vec![Clause::Missing {
                    param: "birthdate".into(),
                    kind: ParamType::Date,
                    missing: true,
                }],
                by_id(),
            ),
            vec!["Z9"],
        ),
        (
            "missing=false",
            plan(
                "Patient",
                vec![Clause::Missing {
                    param: "birthdate".into(),
                    kind: ParamType::Date,
                    missing: false,
                }],
                by_id(),
            ),
            vec!["a1", "b2", "c3"],
        ),
        (
            "sort by id: byte order",
            plan("Patient", vec![], by_id()),
            vec!["Z9", "a1", "b2", "c3"],
        ),
        (
            "sort by name: byte order",
            plan(
                "Patient",
                vec![],
                sort("name", SortKind::Indexed(ParamType::String), false),
            ),
            vec!["a1", "Z9", "b2", "c3"],
        ),
        (
            "sort by date desc, missing last",
            plan(
                "Patient",
                vec![],
                sort("birthdate", SortKind::Indexed(ParamType::Date), true),
            ),
            vec!["b2", "a1", "c3", "Z9"],
        ),
        (
            "_id",
            plan(
                "Patient",
                vec![Clause::Id(vec!["c3".into(), "d4".into(), "Z9".into()])],
                by_id(),
            ),
            vec!["Z9", "c3"],
        ),
    ];
    for (what, p, want) in cases {
        assert_eq!(search(&b, p).await, want, "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn includes_follow_references_both_ways() {
    let (b, _guard) = world().await;
    let key = |t: &str, i: &str| ResourceKey::new(t, i);
    let inc = b
        .referenced_by(
            &ctx(),
            &[key("Observation", "o1"), key("Observation", "o2")],
            &["subject".into()],
        )
        .await;
    assert_eq!(
        inc.map(|h| ids(&h)).ok(),
        Some(vec!["a1".to_string(), "b2".to_string()])
    );
    let all = b.referenced_by(&ctx(), &[key("Patient", "a1")], &[]).await;
    assert_eq!(all.map(|h| ids(&h)).ok(), Some(vec!["org1".to_string()]));
    let rev = b
        .referencing(
            &ctx(),
            &[key("Patient", "a1"), key("Patient", "Z9")],
            "Observation",
            "subject",
        )
        .await;
    assert_eq!(
        rev.map(|h| ids(&h)).ok(),
        Some(vec!["o1".to_string(), "o3".to_string()])
    );
    let none = b
        .referencing(&ctx(), &[key("Patient", "c3")], "Observation", "subject")
        .await;
    assert_eq!(none.map(|h| h.len()).ok(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uri_number_last_updated_and_compartment_clauses() {
    let (b, _guard) = world().await;
    let by_id = || sort("_id", SortKind::Id, false);
    let url = |mode: UriMode, v: &str| {
        matches(
            "url",
            ParamType::Uri,
            Condition::Uri {
                mode,
                value: v.into(),
            },
        )
    };
    let prob = |prefix: Prefix, low: f64, high: f64| {
        matches(
            "probability",
            ParamType::Number,
            Condition::Number { prefix, low, high },
        )
    };
    let updated = |prefix: Prefix, at: i64| {
        Clause::LastUpdated(vec![DateRange {
            prefix,
            low: at,
            high: at,
        }])
    };
    let far = ms("2999-01-01");
    let cases: Vec<(&str, SearchPlan, Vec<&str>)> = vec![
        (
            "uri exact",
            plan(
                "ValueSet",
                vec![url(
                    UriMode::Exact,
                    "http://nordlys.no/fhir/ValueSet/kategori",
                )],
                by_id(),
            ),
            vec!["vs1"],
        ),
        (
            "uri below",
            plan(
                "ValueSet",
                vec![url(UriMode::Below, "http://nordlys.no/fhir")],
                by_id(),
            ),
            vec!["vs1"],
        ),
        (
            "uri above",
            plan(
                "ValueSet",
                vec![url(
                    UriMode::Above,
                    "http://nordlys.no/fhir/ValueSet/kategori/v2",
                )],
                by_id(),
            ),
            vec!["vs1"],
        ),
        (
            "uri above, other tree",
            plan(
                "ValueSet",
                vec![url(UriMode::Above, "http://example.org/fhir")],
                by_id(),
            ),
            vec![],
        ),
        (
            "number eq",
            plan(
                "RiskAssessment",
                vec![prob(Prefix::Eq, 0.45, 0.55)],
                by_id(),
            ),
            vec!["r1"],
        ),
        (
            "number gt",
            plan(
                "RiskAssessment",
                vec![prob(Prefix::Gt, 0.55, 0.65)],
                by_id(),
            ),
            vec![],
        ),
        (
            "_lastUpdated lt",
            plan("Patient", vec![updated(Prefix::Lt, far)], by_id()),
            vec!["Z9", "a1", "b2", "c3"],
        ),
        (
            "_lastUpdated gt",
            plan("Patient", vec![updated(Prefix::Gt, far)], by_id()),
            vec![],
        ),
        (
            "compartment, every type",
            plan(ANY_TYPE, vec![Clause::Compartment("a1".into())], by_id()),
            vec!["o1", "r1"],
        ),
    ];
    for (what, p, want) in cases {
        assert_eq!(search(&b, p).await, want, "{what}");
    }
}
