//! Connections and where blocking work runs.
//!
//! One writer connection behind a mutex and a small pool of reader connections (each behind its
//! own mutex). Every operation runs on tokio's blocking pool (`spawn_blocking`), never on the
//! executor's worker threads. Writes take the writer mutex (serialising this handle's writers
//! without touching SQLite's lock) and run in a `BEGIN IMMEDIATE` transaction, which takes
//! SQLite's write lock up front: other handles on the same file wait in SQLite's busy handler up
//! to the busy timeout instead of failing half-way through a read-then-write. Reads run in a
//! deferred transaction on a reader connection, so a multi-statement read sees one snapshot and
//! never waits for writers (WAL).

use crate::error::{Fail, Res, SqliteError, SqliteErrorKind, internal, map_rusqlite};
use crate::options::{SqliteOptions, Synchronous};
use crate::schema;
use infin8_core::Result;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The connections of one store handle.
pub(crate) struct Db {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).field("readers", &self.readers.len()).finish()
    }
}

fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock drops the transaction (rolling it back) before the guard:
    // the connection is still sound.
    conn.lock().unwrap_or_else(PoisonError::into_inner)
}

fn configure(conn: &Connection, options: &SqliteOptions, writer: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(options.busy_timeout)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let sync = match options.synchronous {
        Synchronous::Normal => "NORMAL",
        Synchronous::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Negative: KiB rather than pages.
    let cache_kib = if writer { options.cache_size_kib } else { options.cache_size_kib / 4 };
    conn.pragma_update(None, "cache_size", -i64::from(cache_kib))?;
    conn.set_prepared_statement_cache_capacity(64);
    if writer {
        if let Some(pages) = options.max_page_count {
            let pages = i64::try_from(pages).unwrap_or(i64::MAX);
            conn.pragma_update_and_check(None, "max_page_count", pages, |r| r.get::<_, i64>(0))?;
        }
        // Make the file readable as SQLite before anything else: a non-database file fails here.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
    }
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the database at `path`, sets WAL and the pragmas, migrates.
    pub(crate) fn open(path: &Path, options: &SqliteOptions) -> std::result::Result<Self, SqliteError> {
        let err = |e: rusqlite::Error| SqliteError::from_rusqlite(path, e);
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
            && !parent.is_dir()
        {
            return Err(SqliteError::new(SqliteErrorKind::CannotOpen, path));
        }
        // A file marked read-only is refused up front, even for a user (root) who could write it
        // anyway: the mark states intent, and SQLite would otherwise open it read-only silently.
        if std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
            return Err(SqliteError::new(SqliteErrorKind::ReadOnly, path));
        }
        // An existing file of zero bytes (and no write-ahead log holding its pages) is a database
        // that was truncated, not a new one: starting over would redo and republish everything.
        let empty = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.len() == 0);
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let wal = std::path::PathBuf::from(wal);
        if !options.allow_empty_file && empty(path) && (!wal.exists() || empty(&wal)) {
            return Err(SqliteError::new(SqliteErrorKind::Empty, path));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let mut writer = Connection::open_with_flags(path, flags).map_err(err)?;
        // SQLite silently opens a read-only file read-only; refuse it instead of failing later.
        if writer.is_readonly(rusqlite::MAIN_DB).map_err(err)? {
            return Err(SqliteError::new(SqliteErrorKind::ReadOnly, path));
        }
        configure(&writer, options, true).map_err(err)?;
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(SqliteError {
                kind: SqliteErrorKind::Other,
                path: path.to_path_buf(),
                detail: Some(format!("could not enable WAL (journal mode is {mode})")),
                source: None,
            });
        }
        schema::migrate(&mut writer, path)?;
        let mut readers = Vec::with_capacity(options.readers);
        let read_flags =
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        for _ in 0..options.readers {
            let conn = Connection::open_with_flags(path, read_flags).map_err(err)?;
            configure(&conn, options, false).map_err(err)?;
            conn.pragma_update(None, "query_only", "ON").map_err(err)?;
            readers.push(Mutex::new(conn));
        }
        tracing::debug!(path = %path.display(), readers = readers.len(), "opened sqlite store");
        Ok(Self {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
        })
    }

    /// A private in-memory database: one connection serves reads and writes.
    pub(crate) fn open_in_memory(options: &SqliteOptions) -> std::result::Result<Self, SqliteError> {
        let path = PathBuf::from(":memory:");
        let err = |e: rusqlite::Error| SqliteError::from_rusqlite(&path, e);
        let mut conn = Connection::open_in_memory().map_err(err)?;
        configure(&conn, options, true).map_err(err)?;
        schema::migrate(&mut conn, &path)?;
        Ok(Self { path, writer: Mutex::new(conn), readers: Vec::new(), next_reader: AtomicUsize::new(0) })
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction on the writer, on the blocking pool. Commits
    /// if `f` returns `Ok`, rolls back otherwise (nothing half-written).
    pub(crate) async fn write<T, F>(self: &Arc<Self>, operation: &'static str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Res<T> + Send + 'static,
    {
        let db = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            let result = {
                let mut conn = lock(&db.writer);
                Self::in_transaction(&mut conn, TransactionBehavior::Immediate, f)
            };
            result.map_err(|fail| map_rusqlite(operation, &db.path, fail))
        })
        .await;
        joined.map_err(|e| internal(operation, format!("blocking task failed: {e}")))?
    }

    /// Runs `f` in a deferred (read) transaction on a reader connection, on the blocking pool.
    pub(crate) async fn read<T, F>(self: &Arc<Self>, operation: &'static str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Res<T> + Send + 'static,
    {
        let db = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            let result = {
                let mut conn = if db.readers.is_empty() {
                    lock(&db.writer)
                } else {
                    let i = db.next_reader.fetch_add(1, Ordering::Relaxed) % db.readers.len();
                    lock(&db.readers[i])
                };
                Self::in_transaction(&mut conn, TransactionBehavior::Deferred, f)
            };
            result.map_err(|fail| map_rusqlite(operation, &db.path, fail))
        })
        .await;
        joined.map_err(|e| internal(operation, format!("blocking task failed: {e}")))?
    }

    fn in_transaction<T>(
        conn: &mut Connection,
        behavior: TransactionBehavior,
        f: impl FnOnce(&Transaction<'_>) -> Res<T>,
    ) -> Res<T> {
        let tx = conn.transaction_with_behavior(behavior).map_err(Fail::Sql)?;
        let out = f(&tx)?;
        tx.commit().map_err(Fail::Sql)?;
        Ok(out)
    }
}
