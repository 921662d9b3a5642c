//! Errors: the typed [`SqliteError`] about the database file, and [`map_rusqlite`], the one place
//! where a SQLite failure becomes an [`infin8_core::Error`].

use infin8_core::error::{ConflictReason, Entity, Error};
use rusqlite::ErrorCode;
use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong with the database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqliteErrorKind {
    /// The database stayed locked by another connection past the busy timeout. Retryable.
    Busy,
    /// The file (or its directory, for the WAL and shared-memory files) is read-only.
    ReadOnly,
    /// The disk (or a quota) is full.
    DiskFull,
    /// The file is not a SQLite database, or it is corrupt.
    NotADatabase,
    /// The file could not be opened (missing directory, permissions).
    CannotOpen,
    /// The file exists but is empty (truncated?): refused unless
    /// [`SqliteOptions::allow_empty_file`](crate::SqliteOptions::allow_empty_file) says to start a
    /// new database in it.
    Empty,
    /// The database was written by a newer version of this crate.
    SchemaTooNew {
        /// The newest migration recorded in the database.
        found: i64,
        /// The newest migration this code knows.
        supported: i64,
    },
    /// Any other SQLite failure.
    Other,
}

impl fmt::Display for SqliteErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Busy => f.write_str("database is locked (busy timeout elapsed)"),
            Self::ReadOnly => f.write_str("database is read-only"),
            Self::DiskFull => f.write_str("disk is full"),
            Self::NotADatabase => f.write_str("file is not a sqlite database or is corrupt"),
            Self::CannotOpen => f.write_str("cannot open database file"),
            Self::Empty => f.write_str(
                "database file exists but is empty (truncated?); restore it from a backup, or delete it to start over",
            ),
            Self::SchemaTooNew { found, supported } => write!(
                f,
                "schema version {found} is newer than this code supports ({supported}); upgrade infin8"
            ),
            Self::Other => f.write_str("sqlite failure"),
        }
    }
}

/// A failure of the database file, naming its path. Returned by
/// [`SqliteStore::open`](crate::SqliteStore::open), and the `source` of every
/// [`Error::Backend`] the store returns (downcast it to read the kind and path).
#[derive(Debug, thiserror::Error)]
#[error("sqlite database {}: {kind}{}", path.display(), detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
pub struct SqliteError {
    /// What went wrong.
    pub kind: SqliteErrorKind,
    /// The database file (`:memory:` for an in-memory store).
    pub path: PathBuf,
    /// SQLite's own message, when it adds something.
    pub detail: Option<String>,
    /// The underlying error.
    #[source]
    pub source: Option<Box<rusqlite::Error>>,
}

impl SqliteError {
    /// Classifies a rusqlite error for the database at `path`.
    #[must_use]
    pub fn from_rusqlite(path: &Path, err: rusqlite::Error) -> Self {
        let kind = classify(&err);
        let detail = match &err {
            rusqlite::Error::SqliteFailure(_, Some(msg)) => Some(msg.clone()),
            rusqlite::Error::SqliteFailure(..) => None,
            other => Some(other.to_string()),
        };
        Self { kind, path: path.to_path_buf(), detail, source: Some(Box::new(err)) }
    }

    /// An error of `kind` without an underlying SQLite error.
    #[must_use]
    pub fn new(kind: SqliteErrorKind, path: &Path) -> Self {
        Self { kind, path: path.to_path_buf(), detail: None, source: None }
    }

    /// Whether retrying may help (only [`SqliteErrorKind::Busy`]).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        self.kind == SqliteErrorKind::Busy
    }
}

fn classify(err: &rusqlite::Error) -> SqliteErrorKind {
    match err.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => SqliteErrorKind::Busy,
        Some(ErrorCode::ReadOnly) => SqliteErrorKind::ReadOnly,
        Some(ErrorCode::DiskFull) => SqliteErrorKind::DiskFull,
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => SqliteErrorKind::NotADatabase,
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => SqliteErrorKind::CannotOpen,
        _ => SqliteErrorKind::Other,
    }
}

impl From<SqliteError> for Error {
    fn from(err: SqliteError) -> Self {
        Error::Backend {
            backend: "sqlite",
            operation: "open",
            message: err.to_string(),
            retryable: err.is_retryable(),
            source: Some(Box::new(err)),
        }
    }
}

/// A failure inside a store operation before it is mapped: SQLite's, or a domain error decided
/// by the operation itself.
#[derive(Debug)]
pub(crate) enum Fail {
    /// SQLite failed.
    Sql(rusqlite::Error),
    /// The operation decided (not found, conflict, invalid input, …).
    Domain(Error),
}

impl From<rusqlite::Error> for Fail {
    fn from(err: rusqlite::Error) -> Self {
        Self::Sql(err)
    }
}

impl From<Error> for Fail {
    fn from(err: Error) -> Self {
        Self::Domain(err)
    }
}

impl From<infin8_core::InvalidInput> for Fail {
    fn from(err: infin8_core::InvalidInput) -> Self {
        Self::Domain(Error::Invalid(err))
    }
}

/// The result of the blocking half of a store operation.
pub(crate) type Res<T> = std::result::Result<T, Fail>;

/// The entity an operation writes, for constraint violations the operation did not check itself.
fn entity_of(operation: &str) -> Entity {
    match operation {
        "create_organization" | "update_organization_profile" => Entity::Organization,
        "upsert_member" => Entity::Member,
        "upsert_competitors" | "update_competitor" => Entity::Competitor,
        "upsert_keywords" | "update_keywords" => Entity::Keyword,
        "replace_clusters" => Entity::Cluster,
        "replace_validations" => Entity::ClusterValidation,
        "record_approvals" => Entity::Approval,
        "create_article" | "update_article" => Entity::Article,
        "upsert_section" => Entity::ArticleSection,
        "claim_publish" | "mark_published" | "mark_publish_failed" => Entity::PublishReference,
        "put_research" => Entity::ResearchCache,
        "reserve_usage" | "commit_usage" | "release_usage" => Entity::UsageReservation,
        "append_audit" => Entity::AuditEntry,
        _ => Entity::Workflow,
    }
}

/// Maps a failure of `operation` on the database at `path` to the store error.
///
/// - busy/locked → [`Error::Backend`], retryable;
/// - UNIQUE / PRIMARY KEY violations → [`Error::Conflict`] (`AlreadyExists`);
/// - FOREIGN KEY violations → [`Error::NotFound`] (a referenced row is not in the organization);
/// - CHECK / NOT NULL violations → [`Error::Invalid`];
/// - everything else (read-only, disk full, corrupt file, append-only trigger) →
///   [`Error::Backend`] whose message names the path and whose source is a [`SqliteError`].
pub(crate) fn map_rusqlite(operation: &'static str, path: &Path, fail: Fail) -> Error {
    let err = match fail {
        Fail::Domain(e) => return e,
        Fail::Sql(e) => e,
    };
    if let rusqlite::Error::SqliteFailure(ffi_err, msg) = &err
        && ffi_err.code == ErrorCode::ConstraintViolation
    {
        let msg = msg.clone().unwrap_or_default();
        match ffi_err.extended_code {
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                return Error::conflict(entity_of(operation), "-", ConflictReason::AlreadyExists);
            }
            rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
                return Error::not_found(entity_of(operation), "referenced row");
            }
            rusqlite::ffi::SQLITE_CONSTRAINT_CHECK | rusqlite::ffi::SQLITE_CONSTRAINT_NOTNULL => {
                return Error::invalid("input", format!("rejected by the database: {msg}"));
            }
            _ => {}
        }
    }
    let sqlite = SqliteError::from_rusqlite(path, err);
    if sqlite.is_retryable() {
        tracing::warn!(operation, path = %path.display(), "sqlite database busy past the timeout");
    } else {
        tracing::error!(operation, error = %sqlite, "sqlite operation failed");
    }
    Error::Backend {
        backend: "sqlite",
        operation,
        message: sqlite.to_string(),
        retryable: sqlite.is_retryable(),
        source: Some(Box::new(sqlite)),
    }
}

/// An internal failure that is not SQLite's (a worker thread died, a stored value is unreadable).
pub(crate) fn internal(operation: &'static str, message: impl Into<String>) -> Error {
    Error::Backend { backend: "sqlite", operation, message: message.into(), retryable: false, source: None }
}
