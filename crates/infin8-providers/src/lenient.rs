//! Lenient decoding of provider payloads: a field of an unexpected type becomes `None` (or is
//! skipped in a list) instead of failing the whole response. Servers that are "compatible" or
//! that add and change fields over time are the norm, and one odd field must not cost a paid
//! call's result.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `Some(T)` if the field is present, not null, and a valid `T`; `None` otherwise.
pub(crate) fn opt<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(value.and_then(|v| serde_json::from_value(v).ok()))
}

/// The elements of a list that are valid `T`s (an absent, null or non-list field is empty).
pub(crate) fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(match value {
        Some(Value::Array(items)) => {
            items.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect()
        }
        _ => Vec::new(),
    })
}

/// A number given as a number or a numeric string (`"1.67"`).
pub(crate) fn number<'de, D>(deserializer: D) -> Result<Option<f64>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(match value {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    })
}

/// A string given as a string, or a number/bool rendered as text (ids that are sometimes
/// numbers).
pub(crate) fn text<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(match value {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}
