//! Cursor pagination.

use serde::{Deserialize, Serialize};

/// An opaque position in a listing. Pass the `next_cursor` of one page to get the next.
///
/// Listings are ordered by id (ids are time-ordered UUIDv7), and a cursor is the last id seen,
/// so pages stay stable while rows are added.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(pub String);

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// An empty last page.
    #[must_use]
    pub fn empty() -> Self {
        Self { items: Vec::new(), next_cursor: None }
    }
}

/// The page size used when a query gives none.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest page size; larger requests are clamped.
pub const MAX_PAGE_SIZE: u32 = 10_000;

/// Clamps a requested page size to `1..=MAX_PAGE_SIZE`, defaulting to [`DEFAULT_PAGE_SIZE`].
#[must_use]
pub fn page_size(requested: Option<u32>) -> usize {
    requested.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE) as usize
}
