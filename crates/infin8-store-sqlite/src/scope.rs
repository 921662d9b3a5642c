//! Tenancy in the data-access layer.
//!
//! Store code never runs SQL on a tenant table through a bare connection: it goes through
//! [`Scoped`], which always binds the caller's organization id as parameter `?1` and refuses any
//! statement whose text does not use it (`organization_id = ?1` in a WHERE clause, or as the first
//! inserted value with `VALUES (?1, …`; on `organizations` itself, `WHERE id = ?1`). SQL is `&'static str`, so no statement is assembled at
//! run time. Forgetting the scope therefore fails the first test that runs the statement,
//! instead of silently reading another tenant's rows.

use crate::error::{Fail, Res, internal};
use infin8_core::OrgId;
use rusqlite::{CachedStatement, Connection, Row, ToSql};

/// A connection (or transaction) scoped to one organization.
pub(crate) struct Scoped<'c> {
    conn: &'c Connection,
    org: String,
}

/// Whether `sql` is scoped by the organization bound as `?1`: `organization_id = ?1`, an insert
/// whose first value is `?1`, or, on `organizations` (keyed by the tenant id itself), `WHERE id = ?1`.
pub(crate) fn is_scoped(sql: &str) -> bool {
    sql.contains("organization_id = ?1")
        || sql.contains("VALUES (?1,")
        || (sql.contains(" organizations ") && sql.contains("WHERE id = ?1"))
}

fn check(sql: &'static str) -> Res<()> {
    if is_scoped(sql) {
        Ok(())
    } else {
        Err(Fail::Domain(internal("query", "refused a statement not scoped by organization")))
    }
}

// `&String`, not `&str`: a `str` cannot be coerced to `&dyn ToSql`.
#[allow(clippy::ptr_arg)]
fn bind<'a>(org: &'a String, params: &[&'a dyn ToSql]) -> Vec<&'a dyn ToSql> {
    let mut all: Vec<&dyn ToSql> = Vec::with_capacity(params.len() + 1);
    all.push(org);
    all.extend_from_slice(params);
    all
}

impl<'c> Scoped<'c> {
    /// Scopes `conn` to `org`.
    pub(crate) fn new(conn: &'c Connection, org: OrgId) -> Self {
        Self { conn, org: crate::codec::id(org) }
    }

    /// The organization id as stored.
    pub(crate) fn org(&self) -> &str {
        &self.org
    }

    /// Executes a statement; `params` are `?2…`.
    pub(crate) fn execute(&self, sql: &'static str, params: &[&dyn ToSql]) -> Res<usize> {
        check(sql)?;
        let mut stmt = self.conn.prepare_cached(sql)?;
        Ok(stmt.execute(&*bind(&self.org, params))?)
    }

    /// The first row, if any.
    pub(crate) fn row<T>(
        &self,
        sql: &'static str,
        params: &[&dyn ToSql],
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Res<Option<T>> {
        check(sql)?;
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(&*bind(&self.org, params))?;
        match rows.next()? {
            Some(row) => Ok(Some(f(row)?)),
            None => Ok(None),
        }
    }

    /// Every row.
    pub(crate) fn rows<T>(
        &self,
        sql: &'static str,
        params: &[&dyn ToSql],
        mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Res<Vec<T>> {
        check(sql)?;
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(&*bind(&self.org, params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(f(row)?);
        }
        Ok(out)
    }

    /// Whether the query returns a row.
    pub(crate) fn exists(&self, sql: &'static str, params: &[&dyn ToSql]) -> Res<bool> {
        Ok(self.row(sql, params, |_| Ok(()))?.is_some())
    }

    /// A cached statement with the organization bound once, for loops over many rows.
    pub(crate) fn prepare(&self, sql: &'static str) -> Res<ScopedStatement<'c>> {
        check(sql)?;
        let mut stmt = self.conn.prepare_cached(sql)?;
        stmt.raw_bind_parameter(1, &self.org)?;
        Ok(ScopedStatement { stmt })
    }
}

/// A prepared statement whose `?1` is bound to the organization.
pub(crate) struct ScopedStatement<'c> {
    stmt: CachedStatement<'c>,
}

impl ScopedStatement<'_> {
    /// Binds `params` as `?2…` and executes; returns the number of changed rows.
    pub(crate) fn execute(&mut self, params: &[&dyn ToSql]) -> Res<usize> {
        for (i, p) in params.iter().enumerate() {
            self.stmt.raw_bind_parameter(i + 2, p)?;
        }
        Ok(self.stmt.raw_execute()?)
    }

    /// Binds `params` as `?2…` and collects every row.
    pub(crate) fn rows<T>(
        &mut self,
        params: &[&dyn ToSql],
        mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Res<Vec<T>> {
        for (i, p) in params.iter().enumerate() {
            self.stmt.raw_bind_parameter(i + 2, p)?;
        }
        let mut rows = self.stmt.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(f(row)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_unscoped_statements() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (organization_id TEXT, v INTEGER)").unwrap();
        let s = Scoped::new(&conn, OrgId::new());
        assert!(s.execute("INSERT INTO t (organization_id, v) VALUES (?1, ?2)", &[&1]).is_ok());
        assert!(matches!(s.execute("DELETE FROM t WHERE v = ?1", &[]), Err(Fail::Domain(_))));
        assert!(matches!(s.row("SELECT v FROM t", &[], |r| r.get::<_, i64>(0)), Err(Fail::Domain(_))));
        let n = s.row("SELECT count(*) FROM t WHERE organization_id = ?1", &[], |r| r.get::<_, i64>(0));
        assert_eq!(n.unwrap(), Some(1));
        let other = Scoped::new(&conn, OrgId::new());
        let n = other.row("SELECT count(*) FROM t WHERE organization_id = ?1", &[], |r| r.get::<_, i64>(0));
        assert_eq!(n.unwrap(), Some(0));
    }
}
