//! Test-only strategies for fuzzing the providers' decoding: arbitrary bytes (decoded as the HTTP
//! layer does, lossy UTF-8), documented samples cut at any byte or with bytes flipped, JSON values
//! of any shape with the providers' field names, HTML error pages, and huge bodies. The number of
//! cases is proptest's (`PROPTEST_CASES`, default 256): CI can raise it to what it can afford.

use proptest::prelude::*;
use proptest::sample::Index;

/// A body as the HTTP layer hands it over.
fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// JSON values of any shape, with `keys` among the object keys.
pub(crate) fn json_values(keys: &'static [&'static str]) -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,16}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(5, 96, 8, move |inner| {
        let key = prop_oneof![proptest::sample::select(keys).prop_map(str::to_string), "[a-z_]{1,10}"];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(key, inner, 0..8)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bodies to throw at a decoder: see the module docs.
pub(crate) fn bodies(
    samples: &'static [&'static str],
    keys: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let sample = proptest::sample::select(samples);
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048).prop_map(|b| lossy(&b)),
        (sample.clone(), any::<Index>()).prop_map(|(s, at)| lossy(&s.as_bytes()[..at.index(s.len() + 1)])),
        (sample, proptest::collection::vec((any::<Index>(), any::<u8>()), 1..12)).prop_map(|(s, flips)| {
            let mut bytes = s.as_bytes().to_vec();
            for (at, byte) in flips {
                if !bytes.is_empty() {
                    let i = at.index(bytes.len());
                    bytes[i] = byte;
                }
            }
            lossy(&bytes)
        }),
        json_values(keys).prop_map(|v| v.to_string()),
        Just("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>".to_string()),
        Just(String::new()),
        (1usize..200_000).prop_map(|n| format!("{{\"a\":\"{}\"}}", "x".repeat(n))),
        (1usize..5_000).prop_map(|n| "[".repeat(n)),
    ]
}
