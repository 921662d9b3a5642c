//! Open options.

use std::time::Duration;

/// How hard SQLite syncs to disk on commit (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// `NORMAL` (default): in WAL mode a commit is atomic and consistent across application
    /// crashes; after a power loss or OS crash the most recent commits may roll back (the
    /// database stays intact). Much faster: no fsync per commit.
    #[default]
    Normal,
    /// `FULL`: every commit is fsynced to the WAL; durable across power loss, slower.
    Full,
}

/// Options for [`SqliteStore::open_with`](crate::SqliteStore::open_with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// How long a connection waits for another connection's lock before failing with a retryable
    /// busy error (default 5 s).
    pub busy_timeout: Duration,
    /// Durability of commits (default [`Synchronous::Normal`]).
    pub synchronous: Synchronous,
    /// Reader connections (default 4; at least 1 for file databases).
    pub readers: usize,
    /// Page cache of the writer connection in KiB (default 32 MiB; readers get a quarter each).
    /// Bulk upserts of tens of thousands of keywords stay in memory instead of spilling.
    pub cache_size_kib: u32,
    /// A cap on the database size in pages (`PRAGMA max_page_count`); a write past it fails like a
    /// full disk. `None` (default) for no cap beyond SQLite's own.
    pub max_page_count: Option<u64>,
    /// Whether an existing file of zero bytes may be set up as a new database (default `false`:
    /// such a file is refused with [`SqliteErrorKind::Empty`](crate::SqliteErrorKind::Empty), since
    /// a database truncated by a crash or a bad copy would otherwise silently start over, and a
    /// rerun would redo and republish everything).
    pub allow_empty_file: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            synchronous: Synchronous::Normal,
            readers: 4,
            cache_size_kib: 32 * 1024,
            max_page_count: None,
            allow_empty_file: false,
        }
    }
}

impl SqliteOptions {
    /// Allows an existing empty file to become a new database (see
    /// [`allow_empty_file`](Self::allow_empty_file)).
    #[must_use]
    pub fn allow_empty_file(mut self, allow: bool) -> Self {
        self.allow_empty_file = allow;
        self
    }

    /// Sets the busy timeout.
    #[must_use]
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Sets the synchronous mode.
    #[must_use]
    pub fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// Sets the number of reader connections (clamped to at least 1).
    #[must_use]
    pub fn readers(mut self, readers: usize) -> Self {
        self.readers = readers.max(1);
        self
    }

    /// Sets the writer's page cache size in KiB.
    #[must_use]
    pub fn cache_size_kib(mut self, kib: u32) -> Self {
        self.cache_size_kib = kib;
        self
    }

    /// Caps the database size in pages.
    #[must_use]
    pub fn max_page_count(mut self, pages: u64) -> Self {
        self.max_page_count = Some(pages);
        self
    }
}
