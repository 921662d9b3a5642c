//! Small conversions between rows and domain values, shared by the aggregate modules.

use crate::error::{corrupt, map_sqlx};
use infin8_core::page::Cursor;
use infin8_core::{Actor, Error, Result, UserId};
use sqlx::postgres::PgRow;
use sqlx::{Decode, Postgres, Row, Type};
use std::str::FromStr;
use uuid::Uuid;

/// Reads column `col`, mapping a decode failure to a `Backend` error of `op`.
pub(crate) fn get<'r, T>(row: &'r PgRow, col: &str, op: &'static str) -> Result<T>
where
    T: Decode<'r, Postgres> + Type<Postgres>,
{
    row.try_get(col).map_err(|e| map_sqlx(op, e))
}

/// Reads a text column holding a wire name and parses it.
pub(crate) fn wire<T>(row: &PgRow, col: &str, op: &'static str) -> Result<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let s: String = get(row, col, op)?;
    s.parse().map_err(|e| corrupt(op, e))
}

/// Reads an optional text column holding a wire name.
pub(crate) fn wire_opt<T>(row: &PgRow, col: &str, op: &'static str) -> Result<Option<T>>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let s: Option<String> = get(row, col, op)?;
    s.map(|s| s.parse().map_err(|e| corrupt(op, e))).transpose()
}

/// Reads a jsonb column into a typed value.
pub(crate) fn json<T: serde::de::DeserializeOwned>(row: &PgRow, col: &str, op: &'static str) -> Result<T> {
    let v: serde_json::Value = get(row, col, op)?;
    serde_json::from_value(v).map_err(|e| corrupt(op, e))
}

/// An actor as `(actor_type, actor_id)` columns.
pub(crate) fn actor_columns(actor: Actor) -> (&'static str, Option<Uuid>) {
    match actor {
        Actor::User(id) => ("user", Some(id.as_uuid())),
        Actor::System => ("system", None),
    }
}

/// An actor from `(type_col, id_col)`.
pub(crate) fn actor(row: &PgRow, type_col: &str, id_col: &str, op: &'static str) -> Result<Actor> {
    let kind: String = get(row, type_col, op)?;
    let id: Option<Uuid> = get(row, id_col, op)?;
    match (kind.as_str(), id) {
        ("user", Some(id)) => Ok(Actor::User(UserId::from_uuid(id))),
        ("system", None) => Ok(Actor::System),
        _ => Err(corrupt(op, format!("actor {kind}"))),
    }
}

/// Serializes a value for a jsonb parameter.
pub(crate) fn to_json<T: serde::Serialize>(value: &T, op: &'static str) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| corrupt(op, e))
}

/// Parses a listing cursor (the last id of the previous page).
pub(crate) fn cursor(cursor: Option<&Cursor>) -> Result<Option<Uuid>> {
    cursor
        .map(|c| {
            Uuid::parse_str(&c.0).map_err(|_| Error::invalid("cursor", "not a cursor from a previous page"))
        })
        .transpose()
}

/// Splits `limit + 1` fetched rows into a page: the extra row only says there is a next page.
pub(crate) fn page<T>(
    mut items: Vec<T>,
    size: usize,
    id_of: impl Fn(&T) -> Uuid,
) -> infin8_core::page::Page<T> {
    let next_cursor = if items.len() > size {
        items.truncate(size);
        items.last().map(|last| Cursor(id_of(last).to_string()))
    } else {
        None
    };
    infin8_core::page::Page { items, next_cursor }
}
