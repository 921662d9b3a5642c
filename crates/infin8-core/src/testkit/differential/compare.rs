//! Comparing two stores' answers: results become JSON, store-generated ids of the backend are
//! translated to the memory store's, and store-chosen timestamps are reduced to "set"/"unset".

use crate::error::{ConflictReason, Error, Result};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Keys whose values are store-chosen wall-clock times, compared only for presence.
const CLOCK_KEYS: &[&str] = &["created_at", "updated_at", "completed_at"];

/// A result as comparable JSON: `{"ok": …}` or `{"err": <kind>}`.
pub fn result_json(r: Result<Value>) -> Value {
    match r {
        Ok(v) => json!({ "ok": v }),
        Err(e) => json!({ "err": error_json(&e) }),
    }
}

/// The comparable part of an error: its kind and the details callers react to.
#[must_use]
pub fn error_json(e: &Error) -> Value {
    match e {
        Error::NotFound { .. } => json!("not_found"),
        Error::Conflict { reason, .. } => match reason {
            ConflictReason::StaleWorkflow { current, version } => {
                json!({ "stale": { "current": current, "version": version } })
            }
            ConflictReason::IllegalTransition { from, to } => json!({ "illegal": [from, to] }),
            ConflictReason::IdempotencyKeyReused => json!("idempotency_key_reused"),
            ConflictReason::AlreadyExists => json!("already_exists"),
            ConflictReason::WrongState(_) => json!("wrong_state"),
        },
        Error::Forbidden { action, .. } => json!({ "forbidden": action }),
        Error::Invalid(_) => json!("invalid"),
        Error::LimitExceeded { metric, limit, used, requested } => {
            json!({ "limit_exceeded": [metric.as_str(), limit, used, requested] })
        }
        other => json!({ "other": other.to_string() }),
    }
}

/// Any serializable value as JSON.
///
/// # Panics
/// If serialization fails (store types always serialize).
pub fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("store types serialize")
}

/// Learns which backend id stands for which memory id, and rewrites backend answers with the
/// memory store's ids.
#[derive(Debug, Default)]
pub struct Translator {
    to_memory: HashMap<String, String>,
    to_backend: HashMap<String, String>,
}

impl Translator {
    /// The backend's id for a memory id (ids the caller chose are the same in both).
    #[must_use]
    pub fn backend_id(&self, memory: &str) -> String {
        self.to_backend.get(memory).cloned().unwrap_or_else(|| memory.to_string())
    }

    /// Records `backend ↔ memory`.
    ///
    /// # Panics
    /// If either id is already paired with another (the stores disagree on identity).
    pub fn learn(&mut self, backend: &str, memory: &str, context: &str) {
        let prev_m = self.to_memory.insert(backend.to_string(), memory.to_string());
        assert!(
            prev_m.as_deref().is_none_or(|p| p == memory),
            "{context}: backend id {backend} stood for {prev_m:?}, now {memory}"
        );
        let prev_b = self.to_backend.insert(memory.to_string(), backend.to_string());
        assert!(
            prev_b.as_deref().is_none_or(|p| p == backend),
            "{context}: memory id {memory} stood for {prev_b:?}, now {backend}"
        );
    }

    /// Walks both answers in parallel and pairs the values of every `id` key.
    pub fn learn_ids(&mut self, memory: &Value, backend: &Value, context: &str) {
        match (memory, backend) {
            (Value::Object(m), Value::Object(b)) => {
                for (k, mv) in m {
                    let Some(bv) = b.get(k) else { continue };
                    if k == "id"
                        && let (Value::String(ms), Value::String(bs)) = (mv, bv)
                        && uuid::Uuid::parse_str(ms).is_ok()
                        && uuid::Uuid::parse_str(bs).is_ok()
                    {
                        self.learn(bs, ms, context);
                    } else {
                        self.learn_ids(mv, bv, context);
                    }
                }
            }
            (Value::Array(m), Value::Array(b)) => {
                for (mv, bv) in m.iter().zip(b) {
                    self.learn_ids(mv, bv, context);
                }
            }
            _ => {}
        }
    }

    /// Rewrites every known backend id in `value` to the memory id.
    pub fn canonicalize(&self, value: &mut Value) {
        match value {
            Value::String(s) => {
                if let Some(m) = self.to_memory.get(s.as_str()) {
                    *s = m.clone();
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.canonicalize(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.canonicalize(v)),
            _ => {}
        }
    }
}

/// Replaces store-chosen times with whether they are set.
pub fn scrub_clock(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(scrub_clock),
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if CLOCK_KEYS.contains(&k.as_str()) {
                    *v = Value::Bool(!v.is_null());
                } else {
                    scrub_clock(v);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_translates_and_scrubs() {
        let (m, b) = (uuid::Uuid::new_v4().to_string(), uuid::Uuid::new_v4().to_string());
        let mut t = Translator::default();
        let mem = json!({ "ok": [{ "id": m, "created_at": "2030-01-01T00:00:00Z", "n": 1 }] });
        let mut be = json!({ "ok": [{ "id": b, "created_at": "2031-01-01T00:00:00Z", "n": 1 }] });
        t.learn_ids(&mem, &be, "test");
        assert_eq!(t.backend_id(&m), b);
        t.canonicalize(&mut be);
        let mut mem = mem;
        scrub_clock(&mut mem);
        scrub_clock(&mut be);
        assert_eq!(mem, be);
    }

    #[test]
    #[should_panic(expected = "stood for")]
    fn refuses_inconsistent_identity() {
        let mut t = Translator::default();
        t.learn("b1", "m1", "x");
        t.learn("b1", "m2", "x");
    }
}
