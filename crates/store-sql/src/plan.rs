//! [`SearchPlan`] → SQL. Each clause becomes an `EXISTS` over one index table, so
//! the statement is an index lookup per clause and never a scan of JSON bodies.
use nordlys_fhir::ParamType;
use nordlys_store::search::{
    Condition, DateRange, Prefix, SortKind, StrMode, SystemMatch, UriMode,
};
use nordlys_store::{Clause, ResourceKey, SearchPlan};

use crate::{Dialect, Query, SqlValue, HIT_COLUMNS};

/// The statement builder: SQL text, parameters and a counter for unique aliases.
struct Builder<'d> {
    dialect: &'d dyn Dialect,
    sql: String,
    params: Vec<SqlValue>,
    aliases: usize,
}

impl<'d> Builder<'d> {
    fn new(dialect: &'d dyn Dialect) -> Self {
        Builder {
            dialect,
            sql: String::with_capacity(512),
            params: Vec::new(),
            aliases: 0,
        }
    }

    fn bind(&mut self, v: SqlValue) -> String {
        self.params.push(v);
        self.dialect.placeholder(self.params.len())
    }

    fn text(&mut self, s: &str) -> String {
        self.bind(SqlValue::Text(s.to_string()))
    }

    fn alias(&mut self, prefix: &str) -> String {
        self.aliases += 1;
        format!("{prefix}{}", self.aliases)
    }

    fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    fn finish(self) -> Query {
        Query {
            sql: self.sql,
            params: self.params,
        }
    }
}

fn table_of(kind: ParamType) -> Option<&'static str> {
    Some(match kind {
        ParamType::String => "idx_string",
        ParamType::Token => "idx_token",
        ParamType::Reference => "idx_reference",
        ParamType::Date => "idx_date",
        ParamType::Number => "idx_number",
        ParamType::Quantity => "idx_quantity",
        ParamType::Uri => "idx_uri",
        ParamType::Composite | ParamType::Special => return None,
    })
}

/// `SELECT type, id, patient, owner FROM resources r WHERE … ORDER BY …` for a plan.
pub fn search_query(dialect: &dyn Dialect, plan: &SearchPlan) -> Query {
    let mut b = Builder::new(dialect);
    b.push(&format!(
        "SELECT {HIT_COLUMNS} FROM resources r WHERE r.deleted = 0"
    ));
    if plan.resource_type != nordlys_store::search::ANY_TYPE {
        let t = b.text(&plan.resource_type);
        b.push(&format!(" AND r.res_type = {t}"));
    }
    let rtype = (plan.resource_type != nordlys_store::search::ANY_TYPE)
        .then_some(plan.resource_type.as_str());
    for clause in &plan.clauses {
        b.push(" AND ");
        clause_sql(&mut b, clause, "r", rtype);
    }
    // With a selective clause, its index subquery must drive the plan: an index that
    // merely serves the ORDER BY (type, last_updated) would walk every resource of the
    // type. So the order columns are written "without index" then (SQLite: `+col`).
    let order_col = |c: &str| {
        if plan.clauses.is_empty() {
            c.to_string()
        } else {
            dialect.without_index(c)
        }
    };
    b.push(" ORDER BY ");
    for key in &plan.sort {
        let dir = if key.descending { "DESC" } else { "ASC" };
        match key.kind {
            SortKind::Id => b.push(&format!("r.res_id {dir}, ")),
            SortKind::LastUpdated => b.push(&format!("{} {dir}, ", order_col("r.last_updated"))),
            SortKind::Indexed(kind) => {
                let Some((table, col_lo, col_hi)) = sort_columns(kind) else {
                    continue;
                };
                let (agg, col) = if key.descending {
                    ("MAX", col_hi)
                } else {
                    ("MIN", col_lo)
                };
                let p = b.text(&key.param);
                let sub = format!(
                    "(SELECT {agg}(s.{col}) FROM {table} s WHERE s.res_type = r.res_type AND s.res_id = r.res_id AND s.param = {p})"
                );
                // NULLs last in both dialects (they disagree on the default).
                b.push(&format!(
                    "CASE WHEN {sub} IS NULL THEN 1 ELSE 0 END, {sub} {dir}, "
                ));
            }
        }
    }
    b.push(&format!(
        "{} ASC, r.res_id ASC",
        order_col("r.last_updated")
    ));
    b.finish()
}

fn sort_columns(kind: ParamType) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match kind {
        ParamType::Date => ("idx_date", "low", "high"),
        ParamType::String => ("idx_string", "norm", "norm"),
        ParamType::Token => ("idx_token", "code", "code"),
        ParamType::Reference => ("idx_reference", "url", "url"),
        ParamType::Number => ("idx_number", "value", "value"),
        ParamType::Quantity => ("idx_quantity", "value", "value"),
        ParamType::Uri => ("idx_uri", "value", "value"),
        ParamType::Composite | ParamType::Special => return None,
    })
}

/// Appends the SQL for one clause about the resource row aliased `r`, whose type is
/// `rtype` when known (then bound, so the index subquery is not correlated).
///
/// Why `r.res_id IN (SELECT … FROM idx_…)` and not a correlated `EXISTS`: the planner
/// then drives the query from the index table (one range scan for the parameter's
/// value) instead of probing the index once for every resource of the type.
fn clause_sql(b: &mut Builder, clause: &Clause, r: &str, rtype: Option<&str>) {
    let type_of = |b: &mut Builder| match rtype {
        Some(t) => b.text(t),
        None => format!("{r}.res_type"),
    };
    match clause {
        Clause::Nothing => b.push("1 = 0"),
        Clause::Compartment(patient) => {
            let p = b.text(patient);
            b.push(&format!("{r}.patient_id = {p}"));
        }
        Clause::Id(ids) => {
            if ids.is_empty() {
                b.push("1 = 0");
                return;
            }
            let holders: Vec<String> = ids.iter().map(|id| b.text(id)).collect();
            b.push(&format!("{r}.res_id IN ({})", holders.join(", ")));
        }
        Clause::LastUpdated(ranges) => {
            b.push("(");
            for (i, range) in ranges.iter().enumerate() {
                if i > 0 {
                    b.push(" OR ");
                }
                let col = format!("{r}.last_updated");
                date_sql(b, range, &col, &col);
            }
            b.push(")");
        }
        Clause::Match {
            param,
            kind,
            any_of,
        }
        | Clause::NotMatch {
            param,
            kind,
            any_of,
        } => {
            let Some(table) = table_of(*kind) else {
                b.push("1 = 0");
                return;
            };
            let negate = matches!(clause, Clause::NotMatch { .. });
            let a = b.alias("i");
            let t = type_of(b);
            let p = b.text(param);
            b.push(&format!(
                "{r}.res_id {}IN (SELECT {a}.res_id FROM {table} {a} WHERE {a}.res_type = {t} AND {a}.param = {p} AND (",
                if negate { "NOT " } else { "" }
            ));
            for (i, cond) in any_of.iter().enumerate() {
                if i > 0 {
                    b.push(" OR ");
                }
                condition_sql(b, cond, &a);
            }
            if any_of.is_empty() {
                b.push("1 = 0");
            }
            b.push("))");
        }
        Clause::Missing {
            param,
            kind,
            missing,
        } => {
            let Some(table) = table_of(*kind) else {
                b.push("1 = 0");
                return;
            };
            let a = b.alias("i");
            let t = type_of(b);
            let p = b.text(param);
            b.push(&format!(
                "{r}.res_id {}IN (SELECT {a}.res_id FROM {table} {a} WHERE {a}.res_type = {t} AND {a}.param = {p})",
                if *missing { "NOT " } else { "" }
            ));
        }
        Clause::Chain {
            param,
            target_types,
            inner,
        } => {
            let x = b.alias("x");
            let t = b.alias("t");
            let ty = type_of(b);
            let p = b.text(param);
            b.push(&format!(
                "{r}.res_id IN (SELECT {x}.res_id FROM idx_reference {x} JOIN resources {t} ON {t}.res_type = {x}.target_type AND {t}.res_id = {x}.target_id WHERE {x}.res_type = {ty} AND {x}.param = {p} AND {t}.deleted = 0"
            ));
            if !target_types.is_empty() {
                let holders: Vec<String> = target_types.iter().map(|ty| b.text(ty)).collect();
                b.push(&format!(" AND {x}.target_type IN ({})", holders.join(", ")));
            }
            b.push(" AND ");
            let inner_type = match target_types.as_slice() {
                [only] => Some(only.as_str()),
                _ => None,
            };
            clause_sql(b, inner, &t, inner_type);
            b.push(")");
        }
        Clause::Has {
            source_type,
            source_param,
            inner,
        } => {
            let x = b.alias("x");
            let s = b.alias("s");
            let st = b.text(source_type);
            let sp = b.text(source_param);
            let ty = type_of(b);
            b.push(&format!(
                "{r}.res_id IN (SELECT {x}.target_id FROM idx_reference {x} JOIN resources {s} ON {s}.res_type = {x}.res_type AND {s}.res_id = {x}.res_id WHERE {x}.res_type = {st} AND {x}.param = {sp} AND {x}.target_type = {ty} AND {s}.deleted = 0 AND "
            ));
            clause_sql(b, inner, &s, Some(source_type));
            b.push(")");
        }
    }
}

/// Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'`.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The smallest string greater than every string starting with `prefix`, for an
/// index-friendly range scan (`col >= prefix AND col < upper`).
fn prefix_upper(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

fn condition_sql(b: &mut Builder, cond: &Condition, a: &str) {
    match cond {
        Condition::Str { mode, value } => match mode {
            StrMode::Prefix => {
                let norm = nordlys_fhir::text::normalize_str(value);
                let lo = b.text(&norm);
                let hi = b.text(&prefix_upper(&norm));
                b.push(&format!("({a}.norm >= {lo} AND {a}.norm < {hi})"));
            }
            StrMode::Exact => {
                let v = b.text(value);
                b.push(&format!("{a}.exact = {v}"));
            }
            StrMode::Contains => {
                let norm = nordlys_fhir::text::normalize_str(value);
                let v = b.text(&format!("%{}%", like_escape(&norm)));
                b.push(&format!("{a}.norm LIKE {v} ESCAPE '\\'"));
            }
        },
        Condition::Token { system, code } => {
            let mut parts = Vec::new();
            if let Some(code) = code {
                let v = b.text(code);
                parts.push(format!("{a}.code = {v}"));
            }
            match system {
                SystemMatch::Any => {}
                SystemMatch::None => parts.push(format!("{a}.system IS NULL")),
                SystemMatch::Is(s) => {
                    let v = b.text(s);
                    parts.push(format!("{a}.system = {v}"));
                }
            }
            if parts.is_empty() {
                parts.push("1 = 1".into());
            }
            b.push(&format!("({})", parts.join(" AND ")));
        }
        Condition::Reference { target_type, id } => {
            let idv = b.text(id);
            match target_type {
                Some(t) => {
                    let tv = b.text(t);
                    b.push(&format!(
                        "({a}.target_type = {tv} AND {a}.target_id = {idv})"
                    ));
                }
                None => b.push(&format!("{a}.target_id = {idv}")),
            }
        }
        Condition::ReferenceUrl(url) => {
            let v = b.text(url);
            b.push(&format!("{a}.url = {v}"));
        }
        Condition::Date(range) => {
            let lo = format!("{a}.low");
            let hi = format!("{a}.high");
            date_sql(b, range, &lo, &hi);
        }
        Condition::Number { prefix, low, high } => {
            number_sql(b, *prefix, *low, *high, &format!("{a}.value"))
        }
        Condition::Quantity {
            prefix,
            low,
            high,
            system,
            code,
        } => {
            b.push("(");
            number_sql(b, *prefix, *low, *high, &format!("{a}.value"));
            if let Some(s) = system {
                let v = b.text(s);
                b.push(&format!(" AND {a}.system = {v}"));
            }
            if let Some(c) = code {
                let v = b.text(c);
                b.push(&format!(" AND {a}.code = {v}"));
            }
            b.push(")");
        }
        Condition::Uri { mode, value } => match mode {
            UriMode::Exact => {
                let v = b.text(value);
                b.push(&format!("{a}.value = {v}"));
            }
            UriMode::Below => {
                let lo = b.text(value);
                let hi = b.text(&prefix_upper(value));
                b.push(&format!("({a}.value >= {lo} AND {a}.value < {hi})"));
            }
            UriMode::Above => {
                let v = b.text(value);
                b.push(&format!("substr({v}, 1, length({a}.value)) = {a}.value"));
            }
        },
    }
}

/// R4 date comparison of the stored range `[lo, hi]` with the query range.
fn date_sql(b: &mut Builder, range: &DateRange, lo: &str, hi: &str) {
    let mut int = |v: i64| b.bind(SqlValue::Int(v));
    let sql = match range.prefix {
        Prefix::Eq => format!(
            "({lo} >= {} AND {hi} <= {})",
            int(range.low),
            int(range.high)
        ),
        Prefix::Ne => format!(
            "NOT ({lo} >= {} AND {hi} <= {})",
            int(range.low),
            int(range.high)
        ),
        Prefix::Gt => format!("({hi} > {})", int(range.high)),
        Prefix::Lt => format!("({lo} < {})", int(range.low)),
        Prefix::Ge => format!("({hi} >= {})", int(range.low)),
        Prefix::Le => format!("({lo} <= {})", int(range.high)),
        Prefix::Sa => format!("({lo} > {})", int(range.high)),
        Prefix::Eb => format!("({hi} < {})", int(range.low)),
        // Approximately: overlapping the query range widened by a tenth of its width
        // or a day, whichever is larger.
        Prefix::Ap => {
            let widen = ((range.high - range.low) / 10).max(86_400_000);
            let wh = int(range.high.saturating_add(widen));
            let wl = int(range.low.saturating_sub(widen));
            format!("({lo} <= {wh} AND {hi} >= {wl})")
        }
    };
    b.push(&sql);
}

/// R4 number comparison: `[low, high)` is the implicit range of the query value's precision.
fn number_sql(b: &mut Builder, prefix: Prefix, low: f64, high: f64, col: &str) {
    let center = (low + high) / 2.0;
    let sql = match prefix {
        Prefix::Eq => {
            let l = b.bind(SqlValue::Real(low));
            let h = b.bind(SqlValue::Real(high));
            format!("({col} >= {l} AND {col} < {h})")
        }
        Prefix::Ne => {
            let l = b.bind(SqlValue::Real(low));
            let h = b.bind(SqlValue::Real(high));
            format!("NOT ({col} >= {l} AND {col} < {h})")
        }
        Prefix::Gt | Prefix::Sa => format!("({col} > {})", b.bind(SqlValue::Real(center))),
        Prefix::Lt | Prefix::Eb => format!("({col} < {})", b.bind(SqlValue::Real(center))),
        Prefix::Ge => format!("({col} >= {})", b.bind(SqlValue::Real(center))),
        Prefix::Le => format!("({col} <= {})", b.bind(SqlValue::Real(center))),
        Prefix::Ap => {
            let l = b.bind(SqlValue::Real(center - center.abs() * 0.1));
            let h = b.bind(SqlValue::Real(center + center.abs() * 0.1));
            format!("({col} >= {l} AND {col} <= {h})")
        }
    };
    b.push(&sql);
}

fn keys_in(b: &mut Builder, keys: &[ResourceKey], type_col: &str, id_col: &str) {
    if keys.is_empty() {
        b.push("1 = 0");
        return;
    }
    b.push("(");
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            b.push(" OR ");
        }
        let t = b.text(&k.resource_type);
        let id = b.text(&k.id);
        b.push(&format!("({type_col} = {t} AND {id_col} = {id})"));
    }
    b.push(")");
}

/// Hits referenced through `params` (all reference params if empty) from `sources`.
pub fn include_query(dialect: &dyn Dialect, sources: &[ResourceKey], params: &[String]) -> Query {
    let mut b = Builder::new(dialect);
    b.push(&format!(
        "SELECT DISTINCT {HIT_COLUMNS} FROM idx_reference x JOIN resources r ON r.res_type = x.target_type AND r.res_id = x.target_id WHERE r.deleted = 0 AND "
    ));
    keys_in(&mut b, sources, "x.res_type", "x.res_id");
    if !params.is_empty() {
        let holders: Vec<String> = params.iter().map(|p| b.text(p)).collect();
        b.push(&format!(" AND x.param IN ({})", holders.join(", ")));
    }
    b.push(" ORDER BY r.res_type, r.res_id");
    b.finish()
}

/// Hits of `source_type` whose `param` points at one of `targets`.
pub fn revinclude_query(
    dialect: &dyn Dialect,
    targets: &[ResourceKey],
    source_type: &str,
    param: &str,
) -> Query {
    let mut b = Builder::new(dialect);
    b.push(&format!(
        "SELECT DISTINCT {HIT_COLUMNS} FROM idx_reference x JOIN resources r ON r.res_type = x.res_type AND r.res_id = x.res_id WHERE r.deleted = 0 AND x.res_type = "
    ));
    let st = b.text(source_type);
    b.push(&st);
    if param != "*" {
        let p = b.text(param);
        b.push(&format!(" AND x.param = {p}"));
    }
    b.push(" AND ");
    keys_in(&mut b, targets, "x.target_type", "x.target_id");
    b.push(" ORDER BY r.res_type, r.res_id");
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Numbered;
    impl Dialect for Numbered {
        fn placeholder(&self, n: usize) -> String {
            format!("${n}")
        }
    }

    #[test]
    fn token_clause_binds_in_order() {
        let plan = SearchPlan {
            resource_type: "Observation".into(),
            clauses: vec![Clause::Match {
                param: "code".into(),
                kind: ParamType::Token,
                any_of: vec![Condition::Token {
                    system: SystemMatch::Is("http://loinc.org".into()),
                    code: Some("1234".into()),
                }],
            }],
            sort: vec![],
        };
        let q = search_query(&Numbered, &plan);
        assert!(q.sql.contains("r.res_type = $1"), "{}", q.sql);
        assert!(
            q.sql.contains("i1.res_type = $2 AND i1.param = $3"),
            "{}",
            q.sql
        );
        assert!(
            q.sql.contains("(i1.code = $4 AND i1.system = $5)"),
            "{}",
            q.sql
        );
        assert_eq!(
            q.params,
            vec![
                SqlValue::Text("Observation".into()),
                SqlValue::Text("Observation".into()),
                SqlValue::Text("code".into()),
                SqlValue::Text("1234".into()),
                SqlValue::Text("http://loinc.org".into())
            ]
        );
    }
}
