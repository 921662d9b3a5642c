//! [`SqliteStore`] and its implementation of every store trait, one file per aggregate.

mod approval;
mod article;
mod audit;
mod claim;
mod cluster;
mod keyword;
mod organization;
mod publish;
mod research;
mod usage;
mod workflow;

use crate::db::Db;
use crate::error::{Res, SqliteError};
use crate::options::SqliteOptions;
use infin8_core::engine::feed::ProgressHub;
use infin8_core::page::Cursor;
use infin8_core::store::Store;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The progress feed of a database file, one per file and process: stores opened separately on
/// the same file (a worker's and a web handler's) see each other's events. (Other processes on
/// the file do not: SQLite has no notifications; PostgreSQL's feed crosses processes.) A hub is
/// a few bytes; one is kept per file for the life of the process.
fn hub_of(path: &Path) -> ProgressHub {
    static HUBS: OnceLock<Mutex<HashMap<PathBuf, ProgressHub>>> = OnceLock::new();
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    HUBS.get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(key)
        .or_default()
        .clone()
}

/// The embedded SQLite store: one file (or memory), WAL, bundled SQLite.
///
/// Cheap to clone (clones share connections); `Send + Sync`, safe to share across tasks and
/// threads. Several stores (or processes) may open the same file: writes are serialised by
/// SQLite's write lock (`BEGIN IMMEDIATE`), so compare-and-set transitions, usage reservations,
/// rate limits and publish claims stay correct across them.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    db: Arc<Db>,
    /// The progress feed: shared by every store of this process on the same file.
    progress: ProgressHub,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` with default options, applying
    /// pending migrations. Runs on the blocking pool.
    ///
    /// # Errors
    /// A [`SqliteError`] naming the path: not a SQLite file or corrupt, read-only, cannot open,
    /// locked past the busy timeout, or a schema newer than this code.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, SqliteError> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// Opens the database file at `path` with `options`. Runs on the blocking pool.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub async fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, SqliteError> {
        let path: PathBuf = path.as_ref().to_path_buf();
        let for_error = path.clone();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path, &options)).await.map_err(|e| {
            SqliteError {
                kind: crate::SqliteErrorKind::Other,
                path: for_error,
                detail: Some(format!("open task failed: {e}")),
                source: None,
            }
        })?
    }

    /// Opens the database file at `path` on the current thread (for hosts without a runtime at
    /// start-up).
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn open_blocking(path: impl AsRef<Path>, options: &SqliteOptions) -> Result<Self, SqliteError> {
        let db = Db::open(path.as_ref(), options)?;
        let progress = hub_of(db.path());
        Ok(Self { db: Arc::new(db), progress })
    }

    /// A private in-memory database (for tests and demos): gone when the last clone drops.
    ///
    /// # Errors
    /// Only if SQLite cannot allocate the database.
    pub fn open_in_memory() -> Result<Self, SqliteError> {
        let db = Db::open_in_memory(&SqliteOptions::default())?;
        Ok(Self { db: Arc::new(db), progress: ProgressHub::new() })
    }

    /// The database file (`:memory:` for an in-memory store).
    #[must_use]
    pub fn path(&self) -> &Path {
        self.db.path()
    }
}

impl Store for SqliteStore {
    fn backend_name(&self) -> &'static str {
        "sqlite"
    }
}

/// Parses a listing cursor (the last id seen).
fn cursor(cursor: Option<&Cursor>) -> Res<Option<String>> {
    match cursor {
        None => Ok(None),
        Some(c) => uuid::Uuid::parse_str(&c.0)
            .map(|u| Some(crate::codec::id(u)))
            .map_err(|_| infin8_core::Error::invalid("cursor", "malformed cursor").into()),
    }
}

/// Turns `limit + 1` fetched rows into a page.
fn page<T>(mut items: Vec<T>, limit: usize, id_of: impl Fn(&T) -> String) -> infin8_core::page::Page<T> {
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| Cursor(id_of(last)))
    } else {
        None
    };
    infin8_core::page::Page { items, next_cursor }
}

/// Whether `err` is a UNIQUE or PRIMARY KEY violation.
fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _)
        if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}
