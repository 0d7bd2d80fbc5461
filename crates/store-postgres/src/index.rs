//! Index rows of a whole batch, inserted with one statement per index table.
//!
//! Why `unnest`: each column of a table travels as one array parameter, so a batch of
//! any size is one fixed statement per table — prepared once per connection, never
//! near the 32,767-parameter limit of a statement, and far cheaper for the server
//! than one `INSERT` per row. The rows themselves come from the shared
//! [`nordlys_store_sql::index_rows`], so both backends index the same values.
use nordlys_store::{StoreError, StoreResult};
use nordlys_store_sql::{IndexRow, IndexTable, SqlValue};
use tokio_postgres::types::ToSql;

/// The SQL type of a value column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Real,
}

/// Types of [`IndexTable::value_columns`], in the same order (see `schema.rs`).
fn kinds(table: IndexTable) -> &'static [Kind] {
    match table {
        IndexTable::String | IndexTable::Token => &[Kind::Text, Kind::Text],
        IndexTable::Reference => &[Kind::Text, Kind::Text, Kind::Text],
        IndexTable::Date => &[Kind::Int, Kind::Int],
        IndexTable::Number => &[Kind::Real],
        IndexTable::Quantity => &[Kind::Real, Kind::Text, Kind::Text],
        IndexTable::Uri => &[Kind::Text],
    }
}

/// `INSERT INTO t (res_type, res_id, param, …) SELECT * FROM unnest($1::text[], …)`.
pub(crate) fn insert_sql(table: IndexTable) -> String {
    let mut arrays = vec![
        "$1::text[]".to_string(),
        "$2::text[]".into(),
        "$3::text[]".into(),
    ];
    for (i, kind) in kinds(table).iter().enumerate() {
        let ty = match kind {
            Kind::Text => "text",
            Kind::Int => "int8",
            Kind::Real => "float8",
        };
        arrays.push(format!("${}::{ty}[]", i + 4));
    }
    format!(
        "INSERT INTO {} (res_type, res_id, param, {}) SELECT * FROM unnest({})",
        table.name(),
        table.value_columns().join(", "),
        arrays.join(", ")
    )
}

/// One array per value column.
#[derive(Debug)]
enum Column<'a> {
    Text(Vec<Option<&'a str>>),
    Int(Vec<i64>),
    Real(Vec<f64>),
}

/// The rows of one table, column by column.
#[derive(Debug)]
pub(crate) struct TableRows<'a> {
    pub(crate) table: IndexTable,
    res_type: Vec<&'a str>,
    res_id: Vec<&'a str>,
    param: Vec<&'a str>,
    columns: Vec<Column<'a>>,
}

impl<'a> TableRows<'a> {
    fn new(table: IndexTable) -> Self {
        let columns = kinds(table)
            .iter()
            .map(|k| match k {
                Kind::Text => Column::Text(Vec::new()),
                Kind::Int => Column::Int(Vec::new()),
                Kind::Real => Column::Real(Vec::new()),
            })
            .collect();
        TableRows {
            table,
            res_type: Vec::new(),
            res_id: Vec::new(),
            param: Vec::new(),
            columns,
        }
    }

    fn push(&mut self, res_type: &'a str, res_id: &'a str, row: &'a IndexRow) -> StoreResult<()> {
        if row.values.len() != self.columns.len() {
            return Err(mismatch(row));
        }
        for (col, value) in self.columns.iter_mut().zip(&row.values) {
            match (col, value) {
                (Column::Text(v), SqlValue::Text(s)) => v.push(Some(s)),
                (Column::Text(v), SqlValue::Null) => v.push(None),
                (Column::Int(v), SqlValue::Int(i)) => v.push(*i),
                (Column::Real(v), SqlValue::Real(f)) => v.push(*f),
                _ => return Err(mismatch(row)),
            }
        }
        self.res_type.push(res_type);
        self.res_id.push(res_id);
        self.param.push(&row.param);
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.res_id.len()
    }

    /// The statement's parameters: the key and parameter arrays, then each value column.
    pub(crate) fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        let mut p: Vec<&(dyn ToSql + Sync)> = vec![&self.res_type, &self.res_id, &self.param];
        for c in &self.columns {
            p.push(match c {
                Column::Text(v) => v,
                Column::Int(v) => v,
                Column::Real(v) => v,
            });
        }
        p
    }
}

fn mismatch(row: &IndexRow) -> StoreError {
    StoreError::Internal(format!(
        "index row for {} does not fit table {}: {:?}",
        row.param,
        row.table.name(),
        row.values
    ))
}

/// Groups the rows of many resources by table; tables without rows are left out.
pub(crate) fn group<'a>(
    resources: impl IntoIterator<Item = (&'a str, &'a str, &'a [IndexRow])>,
) -> StoreResult<Vec<TableRows<'a>>> {
    let mut tables: Vec<TableRows<'a>> =
        IndexTable::ALL.iter().map(|t| TableRows::new(*t)).collect();
    for (res_type, res_id, rows) in resources {
        for row in rows {
            let Some(t) = tables.iter_mut().find(|t| t.table == row.table) else {
                return Err(mismatch(row));
            };
            t.push(res_type, res_id, row)?;
        }
    }
    tables.retain(|t| t.len() > 0);
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_type_per_value_column() {
        for t in IndexTable::ALL {
            assert_eq!(kinds(t).len(), t.value_columns().len(), "{}", t.name());
        }
    }

    #[test]
    fn insert_sql_casts_each_array() {
        assert_eq!(
            insert_sql(IndexTable::Quantity),
            "INSERT INTO idx_quantity (res_type, res_id, param, value, system, code) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[])"
        );
    }

    #[test]
    fn rows_are_grouped_by_table_with_nulls_kept() {
        let rows = vec![
            IndexRow {
                table: IndexTable::Token,
                param: "code".into(),
                values: vec![SqlValue::Null, SqlValue::Text("x".into())],
            },
            IndexRow {
                table: IndexTable::Date,
                param: "date".into(),
                values: vec![SqlValue::Int(1), SqlValue::Int(2)],
            },
            IndexRow {
                table: IndexTable::Token,
                param: "status".into(),
                values: vec![SqlValue::Text("s".into()), SqlValue::Text("final".into())],
            },
        ];
        let Ok(tables) = group([("Observation", "o1", rows.as_slice())]) else {
            panic!("grouping failed")
        };
        let summary: Vec<(&str, usize, usize)> = tables
            .iter()
            .map(|t| (t.table.name(), t.len(), t.params().len()))
            .collect();
        assert_eq!(summary, vec![("idx_token", 2, 5), ("idx_date", 1, 5)]);
        let Column::Text(systems) = &tables[0].columns[0] else {
            panic!("system column is text")
        };
        assert_eq!(systems, &vec![None, Some("s")]);
    }

    #[test]
    fn a_value_of_the_wrong_type_is_an_internal_error() {
        let rows = vec![IndexRow {
            table: IndexTable::Number,
            param: "n".into(),
            values: vec![SqlValue::Text("1".into())],
        }];
        assert!(matches!(
            group([("Observation", "o1", rows.as_slice())]),
            Err(StoreError::Internal(_))
        ));
    }
}
