//! Index entries grouped by table, ready for `INSERT`.
use nordlys_fhir::{IndexEntry, IndexValue};

use crate::SqlValue;

/// The index tables, one per search-parameter type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexTable {
    String,
    Token,
    Reference,
    Date,
    Number,
    Quantity,
    Uri,
}

impl IndexTable {
    pub const ALL: [IndexTable; 7] = [
        IndexTable::String,
        IndexTable::Token,
        IndexTable::Reference,
        IndexTable::Date,
        IndexTable::Number,
        IndexTable::Quantity,
        IndexTable::Uri,
    ];

    pub fn name(self) -> &'static str {
        match self {
            IndexTable::String => "idx_string",
            IndexTable::Token => "idx_token",
            IndexTable::Reference => "idx_reference",
            IndexTable::Date => "idx_date",
            IndexTable::Number => "idx_number",
            IndexTable::Quantity => "idx_quantity",
            IndexTable::Uri => "idx_uri",
        }
    }

    /// Value columns after `(res_type, res_id, param)`.
    pub fn value_columns(self) -> &'static [&'static str] {
        match self {
            IndexTable::String => &["norm", "exact"],
            IndexTable::Token => &["system", "code"],
            IndexTable::Reference => &["target_type", "target_id", "url"],
            IndexTable::Date => &["low", "high"],
            IndexTable::Number => &["value"],
            IndexTable::Quantity => &["value", "system", "code"],
            IndexTable::Uri => &["value"],
        }
    }

    /// `INSERT INTO t (res_type, res_id, param, …) VALUES (…)` with the dialect's placeholders.
    pub fn insert_sql(self, dialect: &dyn crate::Dialect) -> String {
        let cols = self.value_columns();
        let names = cols.join(", ");
        let holders: Vec<String> = (1..=cols.len() + 3)
            .map(|n| dialect.placeholder(n))
            .collect();
        format!(
            "INSERT INTO {} (res_type, res_id, param, {names}) VALUES ({})",
            self.name(),
            holders.join(", ")
        )
    }
}

/// One row for one index table: the parameter code and its value columns.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexRow {
    pub table: IndexTable,
    pub param: String,
    pub values: Vec<SqlValue>,
}

fn opt(s: &Option<String>) -> SqlValue {
    s.as_ref()
        .map_or(SqlValue::Null, |v| SqlValue::Text(v.clone()))
}

/// Turns extracted index entries into table rows.
pub fn index_rows(entries: &[IndexEntry]) -> Vec<IndexRow> {
    entries
        .iter()
        .map(|e| {
            let (table, values) = match &e.value {
                IndexValue::String { norm, exact } => (
                    IndexTable::String,
                    vec![SqlValue::Text(norm.clone()), SqlValue::Text(exact.clone())],
                ),
                IndexValue::Token { system, code } => (
                    IndexTable::Token,
                    vec![opt(system), SqlValue::Text(code.clone())],
                ),
                IndexValue::Reference {
                    target_type,
                    target_id,
                    url,
                } => (
                    IndexTable::Reference,
                    vec![
                        opt(target_type),
                        opt(target_id),
                        SqlValue::Text(url.clone()),
                    ],
                ),
                IndexValue::Date { low, high } => (
                    IndexTable::Date,
                    vec![SqlValue::Int(*low), SqlValue::Int(*high)],
                ),
                IndexValue::Number { value } => (IndexTable::Number, vec![SqlValue::Real(*value)]),
                IndexValue::Quantity {
                    value,
                    system,
                    code,
                } => (
                    IndexTable::Quantity,
                    vec![SqlValue::Real(*value), opt(system), opt(code)],
                ),
                IndexValue::Uri { value } => (IndexTable::Uri, vec![SqlValue::Text(value.clone())]),
            };
            IndexRow {
                table,
                param: e.param.clone(),
                values,
            }
        })
        .collect()
}
