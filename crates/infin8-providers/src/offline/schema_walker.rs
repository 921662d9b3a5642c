//! Walks a JSON schema and produces a value valid against it, for the scripted model.

use super::determinism::SeededRng;
use super::scripted_llm::Context;
use super::text::{slugify, truncate_chars};
use crate::json_schema::{is_valid_within, resolve_ref};
use serde_json::{Map, Value};

/// Deepest schema nesting the generator follows.
const MAX_DEPTH: usize = 32;

/// Walks a JSON schema and produces a value valid against it.
pub(super) struct SchemaWalker<'a> {
    pub(super) root: &'a Value,
    pub(super) rng: &'a mut SeededRng,
    pub(super) context: &'a Context,
}

impl SchemaWalker<'_> {
    pub(super) fn generate(
        &mut self,
        schema: &Value,
        name: &str,
        index: Option<usize>,
        depth: usize,
    ) -> Value {
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        let Some(obj) = schema.as_object() else {
            return Value::String(self.string_for(name, index, &Map::new()));
        };
        if let Some(reference) = obj.get("$ref").and_then(Value::as_str)
            && let Some(target) = resolve_ref(self.root, reference)
        {
            let target = target.clone();
            return self.generate(&target, name, index, depth + 1);
        }
        if let Some(value) = obj.get("const") {
            return value.clone();
        }
        if let Some(first) = obj.get("enum").and_then(Value::as_array).and_then(|a| a.first()) {
            return first.clone();
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(options) = obj.get(key).and_then(Value::as_array) {
                let pick = options
                    .iter()
                    .find(|o| o.get("type").and_then(Value::as_str) != Some("null"))
                    .or_else(|| options.first());
                if let Some(option) = pick {
                    let mut merged = obj.clone();
                    merged.remove(key);
                    let option = merge_schemas(&Value::Object(merged), option);
                    return self.generate(&option, name, index, depth + 1);
                }
            }
        }
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            let mut merged = obj.clone();
            merged.remove("allOf");
            let mut merged = Value::Object(merged);
            for sub in all {
                let sub = match sub.get("$ref").and_then(Value::as_str) {
                    Some(r) => resolve_ref(self.root, r).cloned().unwrap_or(Value::Null),
                    None => sub.clone(),
                };
                merged = merge_schemas(&merged, &sub);
            }
            return self.generate(&merged, name, index, depth + 1);
        }
        let ty = match obj.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .or_else(|| ts.first().and_then(Value::as_str))
                .unwrap_or("string")
                .to_string(),
            _ if obj.contains_key("properties") => "object".to_string(),
            _ if obj.contains_key("items") => "array".to_string(),
            _ => "string".to_string(),
        };
        match ty.as_str() {
            "object" => {
                let mut out = Map::new();
                if let Some(props) = obj.get("properties").and_then(Value::as_object) {
                    for (key, sub) in props {
                        let v = self.generate(sub, key, index, depth + 1);
                        out.insert(key.clone(), v);
                    }
                }
                if let Some(required) = obj.get("required").and_then(Value::as_array) {
                    for key in required.iter().filter_map(Value::as_str) {
                        if !out.contains_key(key) {
                            let sub = match obj.get("additionalProperties") {
                                Some(s @ Value::Object(_)) => s.clone(),
                                _ => Value::Object(Map::new()),
                            };
                            let v = self.generate(&sub, key, index, depth + 1);
                            out.insert(key.to_string(), v);
                        }
                    }
                }
                Value::Object(out)
            }
            "array" => self.array(obj, name, depth),
            "integer" => self.integer(obj),
            "number" => self.number(obj),
            "boolean" => Value::Bool(self.rng.below(2) == 0),
            "null" => Value::Null,
            _ => Value::String(self.string_for(name, index, obj)),
        }
    }

    fn array(&mut self, obj: &Map<String, Value>, name: &str, depth: usize) -> Value {
        let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let max = obj.get("maxItems").and_then(Value::as_u64).unwrap_or(min + 2).max(min);
        let lo = if min == 0 && max > 0 { 1 } else { min };
        let n = self.rng.between(i64::try_from(lo).unwrap_or(0), i64::try_from(max.min(64)).unwrap_or(64));
        let items = obj.get("items").cloned().unwrap_or(Value::Object(Map::new()));
        // Vary which phrases lists start with; ICP lists follow the prompt's order, outlines their
        // intent's order.
        let offset =
            if matches!(self.context.task.as_str(), "icp" | "outline") { 0 } else { self.rng.index(16) };
        let mut out: Vec<Value> = Vec::new();
        for i in 0..usize::try_from(n).unwrap_or(0) {
            let mut v = self.generate(&items, name, Some(i + offset), depth + 1);
            // Keep string items distinct (subtopics, headings, tags) where the schema allows.
            if let Value::String(s) = &v
                && out.contains(&v)
            {
                let distinct = Value::String(format!("{s} {}", i + 1));
                if is_valid_within(self.root, &items, &distinct) {
                    v = distinct;
                }
            }
            out.push(v);
        }
        Value::Array(out)
    }

    fn integer(&mut self, obj: &Map<String, Value>) -> Value {
        let f = |k: &str| obj.get(k).and_then(Value::as_f64);
        let lo = f("minimum").map(f64::ceil).or_else(|| f("exclusiveMinimum").map(|m| m.floor() + 1.0));
        let hi = f("maximum").map(f64::floor).or_else(|| f("exclusiveMaximum").map(|m| m.ceil() - 1.0));
        let (lo, hi) = match (lo, hi) {
            (Some(l), Some(h)) => (l, h),
            (Some(l), None) => (l, l + 10.0),
            (None, Some(h)) => (h - 10.0, h),
            (None, None) => (1.0, 10.0),
        };
        let lo = lo.clamp(-1e15, 1e15) as i64;
        let hi = hi.clamp(-1e15, 1e15) as i64;
        Value::from(self.rng.between(lo, hi.max(lo)))
    }

    fn number(&mut self, obj: &Map<String, Value>) -> Value {
        let f = |k: &str| obj.get(k).and_then(Value::as_f64);
        let lo = f("minimum").or(f("exclusiveMinimum")).unwrap_or(0.0);
        let hi = f("maximum").or(f("exclusiveMaximum")).unwrap_or(lo + 1.0).max(lo);
        // Inside the open interval, so exclusive bounds hold too.
        let x = lo + (hi - lo) * (0.1 + 0.8 * self.rng.unit());
        let rounded = (x * 100.0).round() / 100.0;
        let x = if rounded > lo && rounded < hi { rounded } else { x };
        serde_json::Number::from_f64(x).map_or(Value::from(0), Value::Number)
    }

    fn string_for(&mut self, name: &str, index: Option<usize>, obj: &Map<String, Value>) -> String {
        let lname = name.to_lowercase();
        let icp = if self.context.task == "icp" {
            self.context.icp_value(&lname, index.unwrap_or(0))
        } else {
            None
        };
        let text = match obj.get("format").and_then(Value::as_str) {
            Some("date-time") => "2026-01-01T00:00:00Z".to_string(),
            Some("date") => "2026-01-01".to_string(),
            Some("time") => "12:00:00Z".to_string(),
            Some("email") => "hello@example.com".to_string(),
            Some("uri" | "url" | "iri") => format!("https://example.com/{}", slugify(&self.context.keyword)),
            Some("uuid") => "00000000-0000-4000-8000-000000000000".to_string(),
            _ if icp.is_some() => icp.unwrap_or_default(),
            _ if lname.contains("title") && index.is_none() => self.context.title(),
            _ if lname.contains("query") && self.context.task == "outline" => {
                self.context.outline_query(index.unwrap_or(0))
            }
            _ if ["title", "heading", "name", "subtopic", "topic", "keyword", "phrase", "query"]
                .iter()
                .any(|k| lname.contains(k))
                || (index.is_some() && matches!(self.context.task.as_str(), "subtopics" | "outline")) =>
            {
                self.context.phrase(index.unwrap_or(0), 0)
            }
            _ if lname.contains("slug") => slugify(&self.context.keyword),
            _ => {
                let n = 8 + self.rng.index(9);
                self.context.sentence(self.rng, n)
            }
        };
        let min = obj.get("minLength").and_then(Value::as_u64).map_or(0, |m| usize::try_from(m).unwrap_or(0));
        let max =
            obj.get("maxLength").and_then(Value::as_u64).map(|m| usize::try_from(m).unwrap_or(usize::MAX));
        let mut text = text;
        while text.chars().count() < min {
            text.push(' ');
            text.push_str(self.context.word(self.rng));
        }
        if let Some(max) = max {
            text = truncate_chars(&text, max);
        }
        text
    }
}

/// `base` with `extra`'s keys added: `properties` merged, `required` unioned, other keys from
/// `extra` where `base` lacks them.
fn merge_schemas(base: &Value, extra: &Value) -> Value {
    let mut out = base.as_object().cloned().unwrap_or_default();
    if let Some(extra) = extra.as_object() {
        for (key, value) in extra {
            match (key.as_str(), out.get_mut(key)) {
                ("properties", Some(Value::Object(props))) => {
                    if let Some(more) = value.as_object() {
                        for (k, v) in more {
                            props.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                }
                ("required", Some(Value::Array(req))) => {
                    for v in value.as_array().into_iter().flatten() {
                        if !req.contains(v) {
                            req.push(v.clone());
                        }
                    }
                }
                (_, Some(_)) => {}
                (_, None) => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
    }
    Value::Object(out)
}
