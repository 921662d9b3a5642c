//! Pure WordPress conversions: the idempotency marker, request bodies, posts and term names.

use super::wire::WirePost;
use crate::offline::determinism::stable_hash;
use infin8_core::provider::{PostDraft, PostStatus, PublishedPost};
use serde_json::{Map, Value, json};

/// The registered post meta key that carries our idempotency key where the site has it.
pub const META_KEY: &str = "infin8_idempotency_key";

/// A search token for `key`: 32 hex digits of two independent 64-bit hashes, no spaces or
/// punctuation, so WordPress's `search=` treats it as one term.
pub(crate) fn key_token(key: &str) -> String {
    let a = stable_hash(&[b"infin8-wp-a", key.as_bytes()]);
    let b = stable_hash(&[b"infin8-wp-b", key.as_bytes()]);
    format!("infin8k{a:016x}{b:016x}")
}

/// The invisible marker appended to the content: an HTML comment, kept in `content.raw` and
/// matched by `search=`.
pub(crate) fn marker(key: &str) -> String {
    format!("<!-- infin8:idempotency {} -->", key_token(key))
}

/// `content` with the marker of `key` appended (once).
pub(crate) fn with_marker(content: &str, key: &str) -> String {
    let marker = marker(key);
    if content.contains(&marker) { content.to_string() } else { format!("{content}\n{marker}") }
}

/// Where the SEO fields go: the post meta keys the SEO plugins read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SeoKeys {
    pub(crate) title: Vec<String>,
    pub(crate) description: Vec<String>,
}

/// The body of a create or update request: title, content (with our marker), excerpt, slug,
/// status, term ids, and in `meta` our key (when `send_meta`) and the meta title and description
/// under every SEO key.
pub(crate) fn post_body(
    draft: &PostDraft,
    categories: &[u64],
    tags: &[u64],
    send_meta: bool,
    seo: &SeoKeys,
) -> Value {
    let mut body = Map::new();
    body.insert("title".into(), json!(draft.title));
    body.insert("content".into(), json!(with_marker(&draft.content_html, &draft.idempotency_key)));
    body.insert("excerpt".into(), json!(draft.excerpt));
    if !draft.slug.trim().is_empty() {
        body.insert("slug".into(), json!(draft.slug));
    }
    let status = match draft.status {
        PostStatus::Draft => "draft",
        PostStatus::Publish => "publish",
        PostStatus::Future(at) => {
            body.insert("date_gmt".into(), json!(at.format("%Y-%m-%dT%H:%M:%S").to_string()));
            "future"
        }
    };
    body.insert("status".into(), json!(status));
    body.insert("categories".into(), json!(categories));
    body.insert("tags".into(), json!(tags));
    let mut meta = Map::new();
    if send_meta {
        meta.insert(META_KEY.into(), json!(draft.idempotency_key));
    }
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    if let Some(title) = text(&draft.meta_title) {
        for key in &seo.title {
            meta.insert(key.clone(), json!(title));
        }
    }
    if let Some(description) = text(&draft.meta_description) {
        for key in &seo.description {
            meta.insert(key.clone(), json!(description));
        }
    }
    if !meta.is_empty() {
        body.insert("meta".into(), Value::Object(meta));
    }
    Value::Object(body)
}

/// The raw content of a post (`content.raw` with `context=edit`, else whatever text there is).
fn raw_content(post: &WirePost) -> Option<&str> {
    match post.content.as_ref()? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("raw").or_else(|| o.get("rendered")).and_then(Value::as_str),
        _ => None,
    }
}

/// Whether `post` is the one created with `key`: its registered meta says so, or its raw
/// content carries the marker.
pub(crate) fn post_matches(post: &WirePost, key: &str) -> bool {
    let by_meta = post.meta.as_ref().and_then(|m| m.get(META_KEY)).and_then(Value::as_str) == Some(key);
    by_meta || raw_content(post).is_some_and(|c| c.contains(&marker(key)))
}

/// The post id, if it is a positive integer.
pub(crate) fn post_id(post: &WirePost) -> Option<u64> {
    post.id.filter(|id| id.is_finite() && *id >= 1.0 && id.fract() == 0.0 && *id < 9.0e15).map(|id| id as u64)
}

/// The domain view of a post.
pub(crate) fn published(post: &WirePost) -> Option<PublishedPost> {
    let id = post_id(post)?;
    Some(PublishedPost {
        remote_id: id.to_string(),
        url: post.link.clone().unwrap_or_default(),
        status: post.status.clone().unwrap_or_default(),
    })
}

/// Decodes the HTML entities WordPress puts in term names (`&amp;`, `&#8217;`, …).
pub(crate) fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(rest.get(..at).unwrap_or(""));
        let tail = rest.get(at..).unwrap_or("");
        let end = tail.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| {
            let entity = tail.get(1..e)?;
            let c = match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => '\u{a0}',
                _ => {
                    let n = entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X"));
                    let code = match n {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => entity.strip_prefix('#')?.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = tail.get(len..).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = tail.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

/// A term name normalized for comparison.
pub(crate) fn term_key(name: &str) -> String {
    decode_entities(name).split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn markers_are_stable_searchable_and_matched() {
        let token = key_token("article:123/wordpress");
        assert_eq!(token, key_token("article:123/wordpress"));
        assert_ne!(token, key_token("article:124/wordpress"));
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric()) && token.len() == 39);
        let content = with_marker("<p>x</p>", "k");
        assert_eq!(with_marker(&content, "k"), content, "once");
        let post = WirePost {
            id: Some(5.0),
            content: Some(json!({"raw": content, "rendered": "<p>x</p>"})),
            ..WirePost::default()
        };
        assert!(post_matches(&post, "k"));
        assert!(!post_matches(&post, "other"));
        let by_meta = WirePost { meta: Some(json!({META_KEY: "k"})), ..WirePost::default() };
        assert!(post_matches(&by_meta, "k"));
        let empty_meta = WirePost { meta: Some(json!([])), ..WirePost::default() };
        assert!(!post_matches(&empty_meta, "k"));
    }

    #[test]
    fn decodes_term_names() {
        assert_eq!(decode_entities("Tips &amp; Tricks"), "Tips & Tricks");
        assert_eq!(decode_entities("Don&#8217;t &#x41; &bogus; & done"), "Don\u{2019}t A &bogus; & done");
        assert_eq!(term_key("  SEO &amp;  Content "), "seo & content");
    }

    #[test]
    fn future_posts_carry_a_gmt_date() {
        let at =
            chrono::DateTime::parse_from_rfc3339("2026-12-01T09:30:00Z").unwrap().with_timezone(&chrono::Utc);
        let draft = PostDraft {
            idempotency_key: "k".into(),
            title: "T".into(),
            content_html: "<p>c</p>".into(),
            excerpt: "e".into(),
            slug: "t".into(),
            status: PostStatus::Future(at),
            categories: vec![],
            tags: vec![],
            meta_title: None,
            meta_description: None,
            provenance: Value::Null,
        };
        let body = post_body(&draft, &[3], &[], false, &SeoKeys::default());
        assert_eq!(body["status"], "future");
        assert_eq!(body["date_gmt"], "2026-12-01T09:30:00");
        assert!(body.get("meta").is_none());
    }

    proptest! {
        #[test]
        fn entity_decoding_never_panics(s in ".{0,60}") {
            let _ = decode_entities(&s);
            let _ = term_key(&s);
        }

        #[test]
        fn odd_posts_never_panic(body in ".{0,200}") {
            if let Ok(post) = serde_json::from_str::<WirePost>(&body) {
                let _ = published(&post);
                let _ = post_matches(&post, "k");
            }
            let _ = super::super::error::map_error(400, None, &body);
        }
    }
}
