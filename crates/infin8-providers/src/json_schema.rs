//! A small JSON Schema validator for the subset structured-output schemas use.
//!
//! Supported keywords: `type` (single or list; `integer` accepts whole numbers), `enum`, `const`,
//! `properties`, `required`, `additionalProperties` (`false` or a schema), `items`, `minItems`,
//! `maxItems`, `uniqueItems`, `minLength`, `maxLength` (in characters), `minimum`, `maximum`,
//! `exclusiveMinimum`, `exclusiveMaximum` (numeric form), `allOf`, `anyOf`, `oneOf`, `not`, and
//! local `$ref`s (`#/$defs/…`, `#/definitions/…`, any JSON pointer into the root schema).
//! Unknown keywords (`format`, `pattern`, `description`, …) are ignored, as the specification
//! allows for annotations. A full validator crate was not used to keep build times low; this
//! covers what OpenAI's strict structured outputs accept.

use serde_json::Value;

/// Most nested `$ref`/sub-schema levels followed before giving up (guards recursive schemas).
const MAX_DEPTH: usize = 64;

/// Checks `value` against `schema`.
///
/// # Errors
/// The list of violations, each as `"<json pointer>: <what is wrong>"`.
pub fn validate(schema: &Value, value: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    check(schema, schema, value, "", 0, &mut errors);
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Checks `value` against `schema`, a part of `root` (so `$ref`s resolve against `root`).
pub(crate) fn is_valid_within(root: &Value, schema: &Value, value: &Value) -> bool {
    let mut errors = Vec::new();
    check(root, schema, value, "", 0, &mut errors);
    errors.is_empty()
}

/// Resolves a local `$ref` (`#` or `#/a/b`) against the root schema.
pub(crate) fn resolve_ref<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(root);
    }
    root.pointer(pointer)
}

fn type_matches(ty: &str, value: &Value) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => true,
    }
}

fn check(root: &Value, schema: &Value, value: &Value, path: &str, depth: usize, errors: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        errors.push(format!("{path}: schema nesting too deep"));
        return;
    }
    let Some(obj) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            errors.push(format!("{path}: no value is allowed here"));
        }
        return;
    };
    if let Some(reference) = obj.get("$ref").and_then(Value::as_str) {
        match resolve_ref(root, reference) {
            Some(target) => check(root, target, value, path, depth + 1, errors),
            None => errors.push(format!("{path}: unresolvable $ref {reference}")),
        }
    }
    match obj.get("type") {
        Some(Value::String(ty)) if !type_matches(ty, value) => {
            errors.push(format!("{path}: expected {ty}"));
            return;
        }
        Some(Value::Array(types))
            if !types.iter().filter_map(Value::as_str).any(|t| type_matches(t, value)) =>
        {
            errors.push(format!("{path}: expected one of {}", Value::Array(types.clone())));
            return;
        }
        _ => {}
    }
    if let Some(Value::Array(options)) = obj.get("enum")
        && !options.contains(value)
    {
        errors.push(format!("{path}: not one of the enum values"));
    }
    if let Some(expected) = obj.get("const")
        && expected != value
    {
        errors.push(format!("{path}: must equal {expected}"));
    }
    check_combinators(root, obj, value, path, depth, errors);
    match value {
        Value::Object(map) => {
            let properties = obj.get("properties").and_then(Value::as_object);
            if let Some(Value::Array(required)) = obj.get("required") {
                for name in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(name) {
                        errors.push(format!("{path}: missing required property {name:?}"));
                    }
                }
            }
            for (key, item) in map {
                let child = format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"));
                match properties.and_then(|p| p.get(key)) {
                    Some(sub) => check(root, sub, item, &child, depth + 1, errors),
                    None => match obj.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{path}: unexpected property {key:?}"));
                        }
                        Some(sub @ Value::Object(_)) => check(root, sub, item, &child, depth + 1, errors),
                        _ => {}
                    },
                }
            }
        }
        Value::Array(items) => {
            let len = items.len() as u64;
            if let Some(min) = obj.get("minItems").and_then(Value::as_u64)
                && len < min
            {
                errors.push(format!("{path}: fewer than {min} items"));
            }
            if let Some(max) = obj.get("maxItems").and_then(Value::as_u64)
                && len > max
            {
                errors.push(format!("{path}: more than {max} items"));
            }
            if obj.get("uniqueItems") == Some(&Value::Bool(true)) {
                for (i, a) in items.iter().enumerate() {
                    if items.iter().skip(i + 1).any(|b| a == b) {
                        errors.push(format!("{path}: items are not unique"));
                        break;
                    }
                }
            }
            if let Some(sub) = obj.get("items").filter(|s| s.is_object() || s.is_boolean()) {
                for (i, item) in items.iter().enumerate() {
                    check(root, sub, item, &format!("{path}/{i}"), depth + 1, errors);
                }
            }
        }
        Value::String(s) => {
            let len = s.chars().count() as u64;
            if let Some(min) = obj.get("minLength").and_then(Value::as_u64)
                && len < min
            {
                errors.push(format!("{path}: shorter than {min} characters"));
            }
            if let Some(max) = obj.get("maxLength").and_then(Value::as_u64)
                && len > max
            {
                errors.push(format!("{path}: longer than {max} characters"));
            }
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            let bound = |k: &str| obj.get(k).and_then(Value::as_f64);
            if bound("minimum").is_some_and(|m| x < m) {
                errors.push(format!("{path}: below minimum"));
            }
            if bound("maximum").is_some_and(|m| x > m) {
                errors.push(format!("{path}: above maximum"));
            }
            if bound("exclusiveMinimum").is_some_and(|m| x <= m) {
                errors.push(format!("{path}: not above exclusive minimum"));
            }
            if bound("exclusiveMaximum").is_some_and(|m| x >= m) {
                errors.push(format!("{path}: not below exclusive maximum"));
            }
        }
        _ => {}
    }
}

fn check_combinators(
    root: &Value,
    obj: &serde_json::Map<String, Value>,
    value: &Value,
    path: &str,
    depth: usize,
    errors: &mut Vec<String>,
) {
    let passes = |sub: &Value| {
        let mut e = Vec::new();
        check(root, sub, value, path, depth + 1, &mut e);
        e.is_empty()
    };
    if let Some(Value::Array(all)) = obj.get("allOf") {
        for sub in all {
            check(root, sub, value, path, depth + 1, errors);
        }
    }
    if let Some(Value::Array(any)) = obj.get("anyOf")
        && !any.iter().any(passes)
    {
        errors.push(format!("{path}: matches none of anyOf"));
    }
    if let Some(Value::Array(one)) = obj.get("oneOf") {
        let n = one.iter().filter(|s| passes(s)).count();
        if n != 1 {
            errors.push(format!("{path}: matches {n} of oneOf, expected exactly 1"));
        }
    }
    if let Some(not) = obj.get("not")
        && passes(not)
    {
        errors.push(format!("{path}: matches a forbidden schema"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validates_the_supported_subset() {
        let schema = json!({
            "type": "object",
            "required": ["name", "tags", "n"],
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string", "minLength": 2, "maxLength": 5},
                "tags": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"$ref": "#/$defs/tag"}},
                "n": {"type": "integer", "minimum": 1, "exclusiveMaximum": 10},
                "kind": {"enum": ["a", "b"]},
                "maybe": {"anyOf": [{"type": "string"}, {"type": "null"}]}
            },
            "$defs": {"tag": {"type": "string"}}
        });
        assert!(
            validate(&schema, &json!({"name": "abc", "tags": ["x"], "n": 3, "kind": "a", "maybe": null}))
                .is_ok()
        );
        assert!(validate(&schema, &json!({"name": "abc", "tags": ["x"], "n": 3.0})).is_ok());
        let errors =
            validate(&schema, &json!({"name": "a", "tags": [1, "y", "z"], "n": 10, "kind": "c", "extra": 1}))
                .unwrap_err();
        for needle in [
            "/name: shorter",
            "/tags: more than 2",
            "/tags/0: expected string",
            "/n: not below",
            "/kind: not one",
            "unexpected property \"extra\"",
        ] {
            assert!(errors.iter().any(|e| e.contains(needle)), "{needle} not in {errors:?}");
        }
        assert!(
            validate(&schema, &json!({"tags": []}))
                .unwrap_err()
                .iter()
                .any(|e| e.contains("missing required property \"name\""))
        );
    }

    #[test]
    fn recursive_refs_terminate() {
        let schema = json!({"$ref": "#"});
        assert!(validate(&schema, &json!(1)).is_err());
    }
}
