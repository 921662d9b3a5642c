//! Fuzzing WordPress decoding: any body gives a value or a typed error, never a panic.

use super::convert::{post_matches, published};
use super::error::map_error;
use super::wire::{WirePost, WireTerm, WireUser};
use crate::fuzz_support::bodies;
use proptest::prelude::*;

const SAMPLES: &[&str] = &[
    include_str!("../../tests/fixtures/wordpress/post.response.json"),
    include_str!("../../tests/fixtures/wordpress/posts.collection.response.json"),
    include_str!("../../tests/fixtures/wordpress/errors.samples.json"),
];
const KEYS: &[&str] = &[
    "id",
    "link",
    "status",
    "content",
    "raw",
    "rendered",
    "meta",
    "code",
    "message",
    "data",
    "params",
    "details",
    "term_id",
    "name",
    "slug",
    "roles",
    "capabilities",
];

proptest! {
    #[test]
    fn any_body_decodes_or_is_a_typed_error(body in bodies(SAMPLES, KEYS), status in 100u16..600) {
        if let Ok(post) = serde_json::from_str::<WirePost>(&body) {
            let _ = published(&post);
            let _ = post_matches(&post, "k");
        }
        if let Ok(posts) = serde_json::from_str::<Vec<serde_json::Value>>(&body) {
            for p in posts {
                let _ = serde_json::from_value::<WirePost>(p).ok().and_then(|p| published(&p));
            }
        }
        let _ = serde_json::from_str::<WireTerm>(&body);
        let _ = serde_json::from_str::<WireUser>(&body);
        let e = map_error(status, None, &body);
        let _ = (e.kind(), e.to_string());
    }
}
