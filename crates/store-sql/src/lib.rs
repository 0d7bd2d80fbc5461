//! SQL shared by the relational backends: the table layout, and the translation of a
//! [`SearchPlan`](nordlys_store::SearchPlan) into one `SELECT` over the index tables.
//!
//! Why shared: SQLite and PostgreSQL must answer every search identically, and the
//! statements differ only in placeholders and DDL types. The [`Dialect`] trait carries
//! exactly those differences; everything here is plain SQL both understand. DDL, pool
//! handling and binding stay in each backend crate.

mod plan;
mod rows;
pub mod statements;

pub use plan::{include_query, revinclude_query, search_query};
pub use rows::{index_rows, IndexRow, IndexTable};

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Text(String),
    Int(i64),
    Real(f64),
    Null,
}

/// A statement with its parameters, in placeholder order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

/// What differs between the SQL dialects for the statements built here.
pub trait Dialect {
    /// The placeholder for the `n`-th parameter, 1-based (`?1` / `$1`).
    fn placeholder(&self, n: usize) -> String;

    /// `column`, written so the planner does not use an index on it — for a search
    /// whose index-table subquery should drive the plan instead (SQLite: `+column`;
    /// PostgreSQL's planner needs no hint).
    fn without_index(&self, column: &str) -> String {
        column.to_string()
    }
}

/// Columns every search/include hit selects, in this order: type, id, patient, owner, facts.
pub const HIT_COLUMNS: &str = "r.res_type, r.res_id, r.patient_id, r.owner_org, r.facts";
