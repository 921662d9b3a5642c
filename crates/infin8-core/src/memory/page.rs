//! Cursor pagination over id-ordered rows: a cursor is the last id's string.

use crate::error::{Error, Result};
use crate::page::{Cursor, Page, page_size};
use std::str::FromStr;

/// Parses a cursor into the id it names.
///
/// # Errors
/// `Invalid` (field `cursor`) if it is not an id.
pub(super) fn parse_cursor<I: FromStr>(cursor: Option<&Cursor>) -> Result<Option<I>> {
    cursor.map(|c| c.0.parse::<I>().map_err(|_| Error::invalid("cursor", "malformed cursor"))).transpose()
}

/// One page of `rows` (already filtered and sorted by id) after `after`.
pub(super) fn paginate<T, I>(
    rows: impl Iterator<Item = T>,
    id: impl Fn(&T) -> I,
    after: Option<I>,
    limit: Option<u32>,
) -> Page<T>
where
    I: Ord + ToString,
{
    let size = page_size(limit);
    let mut items: Vec<T> =
        rows.filter(|row| after.as_ref().is_none_or(|a| id(row) > *a)).take(size + 1).collect();
    let next_cursor = if items.len() > size {
        items.truncate(size);
        items.last().map(|last| Cursor(id(last).to_string()))
    } else {
        None
    };
    Page { items, next_cursor }
}
