//! Conversions between domain values and their SQLite representation.
//!
//! - ids: lower-case hyphenated UUID text (36 chars);
//! - timestamps: RFC 3339 UTC with nine fractional digits (`2026-11-22T05:10:45.123456789Z`),
//!   fixed width so that text order is time order, lossless for `DateTime<Utc>`;
//! - JSON: text (checked by `json_valid` in the schema);
//! - enums: their wire names;
//! - embeddings: little-endian `f32` bytes.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Row;
use rusqlite::types::Type;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::str::FromStr;
use uuid::Uuid;

/// An id as stored.
pub(crate) fn id(uuid: impl Into<Uuid>) -> String {
    uuid.into().hyphenated().to_string()
}

/// An optional id as stored.
pub(crate) fn opt_id(uuid: Option<impl Into<Uuid>>) -> Option<String> {
    uuid.map(id)
}

/// A timestamp as stored.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// An optional timestamp as stored.
pub(crate) fn opt_ts(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(ts)
}

/// A JSON value as stored.
pub(crate) fn json<T: Serialize + ?Sized>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// An embedding as stored.
pub(crate) fn embedding(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn conversion(idx: usize, ty: Type, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, ty, Box::new(e))
}

/// Reads an id column.
pub(crate) fn get_id<T: From<Uuid>>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let s: String = row.get(idx)?;
    Uuid::parse_str(&s).map(T::from).map_err(|e| conversion(idx, Type::Text, e))
}

/// Reads a nullable id column.
pub(crate) fn get_opt_id<T: From<Uuid>>(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<T>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| Uuid::parse_str(&s).map(T::from).map_err(|e| conversion(idx, Type::Text, e))).transpose()
}

/// Reads a timestamp column.
pub(crate) fn get_ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let s: String = row.get(idx)?;
    parse_ts(&s).map_err(|e| conversion(idx, Type::Text, e))
}

/// Parses a stored timestamp.
pub(crate) fn parse_ts(s: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc))
}

/// Reads a nullable timestamp column.
pub(crate) fn get_opt_ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| parse_ts(&s).map_err(|e| conversion(idx, Type::Text, e))).transpose()
}

/// Reads a JSON column.
pub(crate) fn get_json<T: DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let s: String = row.get(idx)?;
    serde_json::from_str(&s).map_err(|e| conversion(idx, Type::Text, e))
}

/// Reads a nullable JSON column.
pub(crate) fn get_opt_json<T: DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<T>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| serde_json::from_str(&s).map_err(|e| conversion(idx, Type::Text, e))).transpose()
}

/// Reads an enum column by its wire name.
pub(crate) fn get_enum<T>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let s: String = row.get(idx)?;
    s.parse().map_err(|e| conversion(idx, Type::Text, e))
}

/// Reads a nullable enum column.
pub(crate) fn get_opt_enum<T>(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<T>>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let s: Option<String> = row.get(idx)?;
    s.map(|s| s.parse().map_err(|e| conversion(idx, Type::Text, e))).transpose()
}

/// A stored embedding blob whose length is not a whole number of `f32`s: the column was written
/// by something else or damaged. Reading it must not silently drop the trailing bytes.
#[derive(Debug, thiserror::Error)]
#[error("embedding blob of {len} bytes is not a whole number of 4-byte f32 values")]
pub(crate) struct BadEmbeddingBlob {
    len: usize,
}

/// Decodes an embedding blob (little-endian `f32`s).
pub(crate) fn decode_embedding(bytes: &[u8]) -> Result<Vec<f32>, BadEmbeddingBlob> {
    if !bytes.len().is_multiple_of(4) {
        return Err(BadEmbeddingBlob { len: bytes.len() });
    }
    Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

/// Reads an embedding column. A blob whose length is not a multiple of 4 is a
/// `FromSqlConversionFailure` naming the column, not a silently truncated vector.
pub(crate) fn get_embedding(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<Vec<f32>>> {
    let bytes: Option<Vec<u8>> = row.get(idx)?;
    bytes.map(|b| decode_embedding(&b).map_err(|e| conversion(idx, Type::Blob, e))).transpose()
}

/// Reads an actor stored as a nullable user id (NULL = the system).
pub(crate) fn get_actor(row: &Row<'_>, idx: usize) -> rusqlite::Result<infin8_core::Actor> {
    Ok(match get_opt_id::<infin8_core::UserId>(row, idx)? {
        Some(user) => infin8_core::Actor::User(user),
        None => infin8_core::Actor::System,
    })
}

/// An actor as stored.
pub(crate) fn actor(actor: infin8_core::Actor) -> Option<String> {
    opt_id(actor.user_id())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_are_fixed_width_and_lossless() {
        let a = Utc.timestamp_opt(1_700_000_000, 5).unwrap();
        let b = Utc.timestamp_opt(1_700_000_000, 123_456_789).unwrap();
        assert_eq!(ts(a).len(), ts(b).len());
        assert!(ts(a) < ts(b));
        assert_eq!(parse_ts(&ts(b)).unwrap(), b);
    }

    #[test]
    fn embeddings_round_trip_and_a_ragged_blob_is_an_error() {
        let v = [1.5_f32, -0.25, f32::MIN_POSITIVE, 0.0];
        assert_eq!(decode_embedding(&embedding(&v)).unwrap(), v);
        assert_eq!(decode_embedding(&[]).unwrap(), Vec::<f32>::new());
        for len in [1, 2, 3, 5, 7, 17] {
            let err = decode_embedding(&vec![0_u8; len]).unwrap_err();
            assert!(err.to_string().contains(&format!("{len} bytes")), "{err}");
        }
    }

    #[test]
    fn reading_a_ragged_embedding_column_fails_naming_the_column() {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        let err = db.query_row("SELECT 1, x'0000803f00'", [], |r| get_embedding(r, 1)).unwrap_err();
        assert!(matches!(err, rusqlite::Error::FromSqlConversionFailure(1, Type::Blob, _)), "{err:?}");
        assert!(err.to_string().contains("5 bytes"), "{err}");
        let ok = db.query_row("SELECT x'0000803f'", [], |r| get_embedding(r, 0)).unwrap();
        assert_eq!(ok, Some(vec![1.0]));
        let null = db.query_row("SELECT NULL", [], |r| get_embedding(r, 0)).unwrap();
        assert_eq!(null, None);
    }
}
