//! The one way the store builds a query from optional filters: each condition is SQL text fixed at
//! compile time with one `?` placeholder, and its value is always bound as a parameter, never
//! spliced into the SQL, so no filter value can change the statement.

use rusqlite::types::Value;

use crate::Store;
use crate::error::Result;

/// A `SELECT` narrowed by the conditions whose value is present, then ordered and limited.
#[derive(Debug)]
pub(crate) struct Filter {
    sql: String,
    args: Vec<Value>,
    conditions: usize,
}

impl Filter {
    /// Starts from `select` (`SELECT … FROM …`, with no `WHERE`).
    pub(crate) fn new(select: &str) -> Self {
        Self {
            sql: select.to_owned(),
            args: Vec::new(),
            conditions: 0,
        }
    }

    /// Adds `condition` (e.g. `"kind = ?"`) bound to `value`, or nothing when `value` is absent.
    pub(crate) fn and<V: Into<Value>>(mut self, condition: &'static str, value: Option<V>) -> Self {
        debug_assert_eq!(
            condition.matches('?').count(),
            1,
            "a filter condition binds exactly one value: {condition}"
        );
        if let Some(v) = value {
            self.push(condition);
            self.args.push(v.into());
        }
        self
    }

    /// Adds `condition`, which binds nothing (e.g. `"claimed = 1"`), when `when` holds. For the
    /// terms a partial index is defined with: SQLite uses such an index only when the query
    /// spells its `WHERE` term itself, not when a bound value happens to match it.
    pub(crate) fn and_fixed(mut self, condition: &'static str, when: bool) -> Self {
        debug_assert!(!condition.contains('?'), "a fixed condition binds nothing");
        if when {
            self.push(condition);
        }
        self
    }

    fn push(&mut self, condition: &str) {
        self.sql.push_str(if self.conditions == 0 {
            " WHERE "
        } else {
            " AND "
        });
        self.sql.push_str(condition);
        self.conditions += 1;
    }

    /// Ends the query with `ORDER BY order` and a bound `LIMIT`.
    fn finish(mut self, order: &'static str, limit: u32) -> (String, Vec<Value>) {
        self.sql.push_str(" ORDER BY ");
        self.sql.push_str(order);
        self.sql.push_str(" LIMIT ?");
        self.args.push(i64::from(limit).into());
        (self.sql, self.args)
    }
}

impl Store {
    /// Runs `filter` ordered by `order`, at most `limit` rows, reading each row with `row` and
    /// turning it into a record with `decode`.
    pub(crate) fn select<R, T>(
        &self,
        filter: Filter,
        order: &'static str,
        limit: u32,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<R>,
        decode: impl Fn(R) -> Result<T>,
    ) -> Result<Vec<T>> {
        let (sql, args) = filter.finish(order, limit);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), row)
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for r in rows {
            out.push(decode(r.map_err(|e| self.err(e))?)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_values_add_no_condition_and_present_ones_are_bound_not_spliced() {
        let none: Option<i64> = None;
        let (sql, args) = Filter::new("SELECT a FROM t")
            .and("a = ?", none)
            .and("b = ?", Some("x'; DROP TABLE t; --".to_owned()))
            .and("c < ?", Some(7_i64))
            .finish("a DESC", 10);
        assert_eq!(
            sql, "SELECT a FROM t WHERE b = ? AND c < ? ORDER BY a DESC LIMIT ?",
            "only present conditions, joined by AND, every value a placeholder"
        );
        assert_eq!(
            args,
            vec![
                Value::Text("x'; DROP TABLE t; --".to_owned()),
                Value::Integer(7),
                Value::Integer(10),
            ],
            "the values travel as parameters, in placeholder order, the limit last"
        );
    }

    #[test]
    fn no_conditions_means_no_where_clause() {
        let (sql, args) = Filter::new("SELECT a FROM t").finish("a", 1);
        assert_eq!(
            sql, "SELECT a FROM t ORDER BY a LIMIT ?",
            "no WHERE without conditions"
        );
        assert_eq!(args, vec![Value::Integer(1)], "only the limit is bound");
    }
}
