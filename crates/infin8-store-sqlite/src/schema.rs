//! Versioned, embedded migrations, applied on open.
//!
//! `schema_migrations(version, name, applied_at)` records each applied migration. Opening applies
//! the missing ones in order, in one `BEGIN IMMEDIATE` transaction (so two processes opening a
//! fresh file at once migrate it once); a database whose newest migration is newer than this code
//! is refused with [`SqliteErrorKind::SchemaTooNew`].

use crate::error::{SqliteError, SqliteErrorKind};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

/// A migration: its version, name and SQL.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

/// Every migration, in order. Never edit a released one: add a new one.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "initial", sql: include_str!("migrations/0001_initial.sql") },
    Migration { version: 2, name: "append_only", sql: include_str!("migrations/0002_append_only.sql") },
    Migration { version: 3, name: "runner", sql: include_str!("migrations/0003_runner.sql") },
    Migration { version: 4, name: "ledger_truth", sql: include_str!("migrations/0004_ledger_truth.sql") },
];

/// The newest schema version this code knows.
pub const SCHEMA_VERSION: i64 = 4;

/// Applies the missing migrations.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), SqliteError> {
    let err = |e: rusqlite::Error| SqliteError::from_rusqlite(path, e);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY NOT NULL,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .map_err(err)?;
    let found: i64 = tx
        .query_row("SELECT coalesce(max(version), 0) FROM schema_migrations", [], |r| r.get(0))
        .map_err(err)?;
    if found > SCHEMA_VERSION {
        return Err(SqliteError::new(
            SqliteErrorKind::SchemaTooNew { found, supported: SCHEMA_VERSION },
            path,
        ));
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > found) {
        tracing::info!(path = %path.display(), version = m.version, name = m.name, "applying sqlite migration");
        tx.execute_batch(m.sql).map_err(err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, crate::codec::ts(chrono::Utc::now())],
        )
        .map_err(err)?;
    }
    tx.commit().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use infin8_core::workflow::WorkflowState;
    use std::collections::BTreeSet;

    #[test]
    fn versions_are_dense_and_end_at_schema_version() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(SCHEMA_VERSION));
    }

    #[test]
    fn state_check_lists_exactly_the_workflow_states() {
        let sql = MIGRATIONS[0].sql;
        let start = sql.find("DEFAULT 'CREATED' CHECK ((").unwrap();
        let end = start + sql[start..].find("))").unwrap();
        let listed: BTreeSet<String> = sql[start..end]
            .split("state = '")
            .skip(1)
            .map(|s| s.split('\'').next().unwrap().to_string())
            .collect();
        let all: BTreeSet<String> = WorkflowState::all().into_iter().map(|s| s.as_wire()).collect();
        assert_eq!(listed, all);
    }
}
