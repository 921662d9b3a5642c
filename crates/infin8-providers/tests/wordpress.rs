//! WordPress contract tests against a stateful fake of a stock WordPress 6.x site (duplicate slugs
//! renamed, unregistered meta dropped, `search=` over raw title/content/excerpt, `status=any`).

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod common;

use common::{SECRET, assert_no_secret, fast_http, fixture_json};
use infin8_core::provider::{PostDraft, PostStatus, ProviderError, ProviderErrorKind, Publisher};
use infin8_providers::SecretString;
use infin8_providers::wordpress::{META_KEY, WordPressClient, WordPressConfig};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::basic_auth;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const USER: &str = "editor";

#[derive(Debug, Clone)]
struct Post {
    id: u64,
    slug: String,
    status: String,
    title: String,
    content: String,
    excerpt: String,
    meta: Option<String>,
    /// The SEO plugins' meta keys, kept where the site registers them.
    seo_meta: serde_json::Map<String, Value>,
    categories: Vec<u64>,
    tags: Vec<u64>,
}

#[derive(Debug, Default)]
struct Site {
    posts: Vec<Post>,
    terms: Vec<(String, u64, String)>,
    next_id: u64,
    registered_meta: bool,
    /// Create the next post, then answer with this failure instead of 201.
    lose_next_create: Option<ResponseTemplate>,
    /// Answer the next create with this (without creating).
    reject_next_create: Option<ResponseTemplate>,
    creates: u32,
}

#[derive(Clone)]
struct FakeWordPress(Arc<Mutex<Site>>);

fn post_json(p: &Post, registered_meta: bool, base: &str) -> Value {
    json!({
        "id": p.id, "slug": p.slug, "status": p.status, "type": "post",
        "link": format!("{base}/?p={}", p.id),
        "title": {"raw": p.title, "rendered": p.title},
        "content": {"raw": p.content, "rendered": p.content, "protected": false},
        "excerpt": {"raw": p.excerpt, "rendered": format!("<p>{}</p>\n", p.excerpt), "protected": false},
        "meta": if registered_meta {
            let mut meta = p.seo_meta.clone();
            meta.insert(META_KEY.into(), json!(p.meta.clone().unwrap_or_default()));
            Value::Object(meta)
        } else {
            json!([])
        },
        "categories": p.categories, "tags": p.tags,
    })
}

fn wp_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"code": code, "message": message, "data": {"status": status}}))
}

impl FakeWordPress {
    fn new(registered_meta: bool) -> Self {
        let site = Site { next_id: 10, registered_meta, ..Site::default() };
        Self(Arc::new(Mutex::new(site)))
    }

    fn with<T>(&self, f: impl FnOnce(&mut Site) -> T) -> T {
        f(&mut self.0.lock().unwrap())
    }
}

impl Respond for FakeWordPress {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let url = &request.url;
        let base = format!(
            "{}://{}",
            url.scheme(),
            url.host_str().map(|h| format!("{h}:{}", url.port().unwrap_or(80))).unwrap()
        );
        let query: Vec<(String, String)> =
            url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let route =
            param("rest_route").unwrap_or_else(|| url.path().trim_start_matches("/wp-json").to_string());
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let method = request.method.as_str();
        let mut site = self.0.lock().unwrap();
        let registered = site.registered_meta;
        let segments: Vec<&str> = route.trim_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("GET", ["wp", "v2", "posts"]) => {
                let term = param("search").unwrap_or_default().to_lowercase();
                let any = param("status").as_deref() == Some("any");
                let hits: Vec<Value> = site
                    .posts
                    .iter()
                    .filter(|p| any || p.status == "publish")
                    .filter(|p| {
                        term.is_empty()
                            || [&p.title, &p.content, &p.excerpt]
                                .iter()
                                .any(|f| f.to_lowercase().contains(&term))
                    })
                    .map(|p| post_json(p, registered, &base))
                    .collect();
                ResponseTemplate::new(200)
                    .insert_header("X-WP-Total", hits.len().to_string().as_str())
                    .set_body_json(hits)
            }
            ("POST", ["wp", "v2", "posts"]) => {
                site.creates += 1;
                if let Some(reject) = site.reject_next_create.take() {
                    return reject;
                }
                let mut slug = body["slug"].as_str().unwrap_or("post").to_string();
                let original = slug.clone();
                let mut n = 2;
                while site.posts.iter().any(|p| p.slug == slug) {
                    slug = format!("{original}-{n}");
                    n += 1;
                }
                let id = site.next_id;
                site.next_id += 1;
                let post = Post {
                    id,
                    slug,
                    status: body["status"].as_str().unwrap_or("draft").to_string(),
                    title: body["title"].as_str().unwrap_or_default().to_string(),
                    content: body["content"].as_str().unwrap_or_default().to_string(),
                    excerpt: body["excerpt"].as_str().unwrap_or_default().to_string(),
                    // Unregistered meta is silently dropped.
                    meta: if registered { body["meta"][META_KEY].as_str().map(str::to_string) } else { None },
                    seo_meta: body["meta"]
                        .as_object()
                        .filter(|_| registered)
                        .map(|m| {
                            m.iter()
                                .filter(|(k, _)| *k != META_KEY)
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect()
                        })
                        .unwrap_or_default(),
                    categories: serde_json::from_value(body["categories"].clone()).unwrap_or_default(),
                    tags: serde_json::from_value(body["tags"].clone()).unwrap_or_default(),
                };
                let json = post_json(&post, registered, &base);
                site.posts.push(post);
                match site.lose_next_create.take() {
                    Some(failure) => failure,
                    None => ResponseTemplate::new(201).set_body_json(json),
                }
            }
            ("POST", ["wp", "v2", "posts", id]) => {
                let id: u64 = id.parse().unwrap_or(0);
                let Some(post) = site.posts.iter_mut().find(|p| p.id == id) else {
                    return wp_error(404, "rest_post_invalid_id", "Invalid post ID.");
                };
                post.title = body["title"].as_str().unwrap_or_default().to_string();
                post.content = body["content"].as_str().unwrap_or_default().to_string();
                post.status = body["status"].as_str().unwrap_or("draft").to_string();
                let json = post_json(post, registered, &base);
                ResponseTemplate::new(200).set_body_json(json)
            }
            ("GET", ["wp", "v2", taxonomy]) => {
                let term = param("search").unwrap_or_default().to_lowercase();
                let hits: Vec<Value> = site
                    .terms
                    .iter()
                    .filter(|(t, _, name)| t == taxonomy && name.to_lowercase().contains(&term))
                    .map(|(_, id, name)| json!({"id": id, "name": name.replace('&', "&amp;")}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(hits)
            }
            ("POST", ["wp", "v2", taxonomy]) => {
                let name = body["name"].as_str().unwrap_or_default().to_string();
                if let Some((_, id, _)) =
                    site.terms.iter().find(|(t, _, n)| t == taxonomy && n.eq_ignore_ascii_case(&name))
                {
                    return ResponseTemplate::new(400).set_body_json(json!({
                        "code": "term_exists", "message": "A term with the name provided already exists in this taxonomy.",
                        "data": {"status": 400, "term_id": id}}));
                }
                let id = site.next_id;
                site.next_id += 1;
                site.terms.push((taxonomy.to_string(), id, name.clone()));
                ResponseTemplate::new(201)
                    .set_body_json(json!({"id": id, "name": name, "taxonomy": taxonomy}))
            }
            _ => wp_error(404, "rest_no_route", "No route was found matching the URL and request method."),
        }
    }
}

async fn site(registered_meta: bool) -> (MockServer, FakeWordPress) {
    let server = MockServer::start().await;
    let fake = FakeWordPress::new(registered_meta);
    Mock::given(basic_auth(USER, SECRET)).respond_with(fake.clone()).with_priority(1).mount(&server).await;
    let denied = fixture_json("wordpress/errors.samples.json")["rest_cannot_create_401"]["body"].clone();
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401).set_body_json(denied))
        .with_priority(10)
        .mount(&server)
        .await;
    (server, fake)
}

fn config(server: &MockServer) -> WordPressConfig {
    WordPressConfig::new(server.uri(), USER, SecretString::from(SECRET)).with_http(fast_http(3))
}

fn client(server: &MockServer) -> WordPressClient {
    WordPressClient::new(config(server)).unwrap()
}

fn draft(key: &str, slug: &str) -> PostDraft {
    PostDraft {
        idempotency_key: key.into(),
        title: "Best CRM software".into(),
        content_html: "<p>Choosing a CRM [1].</p>".into(),
        excerpt: "How to choose".into(),
        slug: slug.into(),
        status: PostStatus::Draft,
        categories: vec!["SEO & Content".into(), "Marketing".into()],
        tags: vec!["crm".into(), "CRM ".into()],
        meta_title: None,
        meta_description: None,
        provenance: json!({"workflow": "w1"}),
    }
}

#[tokio::test]
async fn create_resolves_terms_and_marks_the_post() {
    let (server, fake) = site(false).await;
    fake.with(|s| s.terms.push(("categories".into(), 3, "SEO & Content".into())));
    let client = client(&server);
    let out = client.create_post(&draft("article-1", "best-crm")).await.unwrap();
    let post = out.value;
    assert_eq!(post.status, "draft");
    assert!(post.url.ends_with(&format!("?p={}", post.remote_id)));
    let stored = fake.with(|s| s.posts.clone());
    assert_eq!(stored.len(), 1);
    let p = &stored[0];
    assert_eq!(p.id.to_string(), post.remote_id);
    assert!(
        p.content.starts_with("<p>Choosing a CRM [1].</p>\n<!-- infin8:idempotency infin8k"),
        "{}",
        p.content
    );
    assert_eq!(p.categories.len(), 2);
    assert_eq!(p.categories[0], 3, "the existing category (entity-encoded on the wire) is reused");
    assert_eq!(p.tags.len(), 1, "tags deduplicated by normalized name");
    assert_eq!(p.meta, None, "unregistered meta is dropped by a stock site");
    assert!(out.usage.requests >= 5, "term lookups, term creates, the post: {}", out.usage.requests);
    // Terms are cached per client: a second post makes no term request.
    let before = server.received_requests().await.unwrap().len();
    client.create_post(&draft("article-2", "other")).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), before + 1);
    let create = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/wp/v2/posts"))
        .unwrap();
    insta::assert_json_snapshot!(
        "wordpress_create_request",
        serde_json::from_slice::<Value>(&create.body).unwrap()
    );
}

#[tokio::test]
async fn a_post_created_before_a_crash_is_found_not_duplicated() {
    let (server, fake) = site(false).await;
    let created = client(&server).create_post(&draft("article-9", "best-crm")).await.unwrap().value;
    // The process dies before recording `created`. A new process, with a new client:
    let restarted = client(&server);
    let found = restarted.find_post("article-9").await.unwrap();
    assert_eq!(found, Some(created), "drafts are found too (status=any)");
    assert_eq!(restarted.find_post("article-10").await.unwrap(), None);
    assert_eq!(fake.with(|s| s.posts.len()), 1);
}

#[tokio::test]
async fn a_lost_create_response_is_recovered_by_lookup_not_a_second_post() {
    let (server, fake) = site(false).await;
    fake.with(|s| {
        s.lose_next_create =
            Some(ResponseTemplate::new(503).set_body_string("<html>Service Unavailable</html>"))
    });
    let out = client(&server).create_post(&draft("article-3", "best-crm")).await.unwrap();
    assert_eq!(fake.with(|s| (s.posts.len(), s.creates)), (1, 1), "one post, one create request");
    assert_eq!(out.value.remote_id, fake.with(|s| s.posts[0].id.to_string()));
}

#[tokio::test]
async fn a_create_that_times_out_after_writing_is_recovered_too() {
    let (server, fake) = site(false).await;
    let slow = ResponseTemplate::new(201).set_body_json(json!({"id": 999})).set_delay(Duration::from_secs(4));
    fake.with(|s| s.lose_next_create = Some(slow));
    let out = client(&server).create_post(&draft("article-4", "best-crm")).await.unwrap();
    assert_eq!(fake.with(|s| (s.posts.len(), s.creates)), (1, 1));
    assert_ne!(out.value.remote_id, "999");
}

#[tokio::test]
async fn an_ambiguous_failure_with_no_post_is_retried() {
    let (server, fake) = site(false).await;
    fake.with(|s| s.reject_next_create = Some(ResponseTemplate::new(502)));
    client(&server).create_post(&draft("article-5", "best-crm")).await.unwrap();
    assert_eq!(fake.with(|s| (s.posts.len(), s.creates)), (1, 2));
}

#[tokio::test]
async fn a_rate_limited_create_is_retried_after_the_hint() {
    let (server, fake) = site(false).await;
    fake.with(|s| s.reject_next_create = Some(ResponseTemplate::new(429).insert_header("Retry-After", "0")));
    client(&server).create_post(&draft("article-6", "best-crm")).await.unwrap();
    assert_eq!(fake.with(|s| (s.posts.len(), s.creates)), (1, 2));
}

#[tokio::test]
async fn slug_is_never_identity() {
    let (server, fake) = site(false).await;
    let client = client(&server);
    let a = client.create_post(&draft("key-a", "best-crm")).await.unwrap().value;
    let b = client.create_post(&draft("key-b", "best-crm")).await.unwrap().value;
    let slugs: Vec<String> = fake.with(|s| s.posts.iter().map(|p| p.slug.clone()).collect());
    assert_eq!(slugs, ["best-crm", "best-crm-2"]);
    assert_eq!(client.find_post("key-a").await.unwrap(), Some(a));
    assert_eq!(client.find_post("key-b").await.unwrap(), Some(b));
}

#[tokio::test]
async fn registered_meta_is_stored_and_confirms_the_match() {
    let (server, fake) = site(true).await;
    let client = client(&server);
    let post = client.create_post(&draft("key-m", "m")).await.unwrap().value;
    assert_eq!(fake.with(|s| s.posts[0].meta.clone()), Some("key-m".to_string()));
    assert_eq!(client.find_post("key-m").await.unwrap(), Some(post));
}

#[tokio::test]
async fn a_search_hit_without_our_marker_is_not_a_match() {
    let (server, fake) = site(false).await;
    let token_holder = client(&server).create_post(&draft("key-x", "x")).await.unwrap();
    // Someone pastes the marker's token into another post's text, not as our marker.
    let token = fake.with(|s| {
        let c = s.posts[0].content.clone();
        c.split_whitespace().find(|w| w.starts_with("infin8k")).unwrap().to_string()
    });
    fake.with(|s| {
        let mut copy = s.posts[0].clone();
        copy.id = 500;
        copy.content = format!("quoting {token} here");
        s.posts.insert(0, copy);
    });
    assert_eq!(client(&server).find_post("key-x").await.unwrap(), Some(token_holder.value));
}

#[tokio::test]
async fn update_changes_the_post_and_unknown_ids_are_not_found() {
    let (server, fake) = site(false).await;
    let client = client(&server);
    let post = client.create_post(&draft("key-u", "u")).await.unwrap().value;
    let mut changed = draft("key-u", "u");
    changed.title = "Updated".into();
    changed.status = PostStatus::Publish;
    let updated = client.update_post(&post.remote_id, &changed).await.unwrap().value;
    assert_eq!(updated.status, "publish");
    assert_eq!(fake.with(|s| s.posts[0].title.clone()), "Updated");
    assert!(fake.with(|s| s.posts[0].content.contains("infin8:idempotency")), "the marker survives updates");
    assert_eq!(client.update_post("4242", &changed).await.unwrap_err().kind(), ProviderErrorKind::NotFound);
    assert!(matches!(
        client.update_post("abc", &changed).await.unwrap_err().root(),
        ProviderError::InvalidRequest { .. }
    ));
}

#[tokio::test]
async fn wrong_credentials_are_auth_errors_without_the_secret() {
    let (server, _fake) = site(false).await;
    let cfg = WordPressConfig::new(server.uri(), USER, SecretString::from("wrong password"))
        .with_http(fast_http(3));
    let client = WordPressClient::new(cfg).unwrap();
    let err = client.create_post(&draft("k", "s")).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::Auth { .. }), "{err:?}");
    assert!(err.to_string().contains("rest_cannot_create"));
    assert_no_secret(&format!("{err} {err:?} {client:?} {:?} {:?}", config(&server), self::client(&server)));
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "auth errors are not retried");
}

#[tokio::test]
async fn query_style_api_roots_work() {
    let (server, fake) = site(false).await;
    let cfg = config(&server).with_api_root(format!("{}/?rest_route=/", server.uri()));
    let client = WordPressClient::new(cfg).unwrap();
    let post = client.create_post(&draft("key-q", "q")).await.unwrap().value;
    assert_eq!(client.find_post("key-q").await.unwrap(), Some(post));
    assert_eq!(fake.with(|s| s.posts.len()), 1);
    let paths: Vec<String> =
        server.received_requests().await.unwrap().iter().map(|r| r.url.path().to_string()).collect();
    assert!(paths.iter().all(|p| p == "/"), "{paths:?}");
}

#[tokio::test]
async fn an_html_error_page_on_lookup_is_retried() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_raw(
            "<html><body>There has been a critical error on this website.</body></html>",
            "text/html",
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    assert_eq!(client(&server).find_post("k").await.unwrap(), None);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// Which WordPress responses are billed: none. The REST API of a self-hosted (or hosted) site
/// charges nothing per call; publishing is metered by the engine as posts, not money.
#[tokio::test]
async fn no_wordpress_response_is_billed() {
    let (server, _fake) = site(false).await;
    let out = client(&server).create_post(&draft("billing", "billing")).await.unwrap();
    assert_eq!(out.usage.cost, infin8_core::Usd::ZERO);
    let cfg = WordPressConfig::new(server.uri(), USER, SecretString::from("wrong password"))
        .with_http(fast_http(1));
    let err = WordPressClient::new(cfg).unwrap().create_post(&draft("k", "s")).await.unwrap_err();
    assert!(err.billed().is_none());
}

fn create_body(requests: &[wiremock::Request]) -> Value {
    let create = requests
        .iter()
        .rev()
        .find(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/wp/v2/posts"))
        .unwrap();
    serde_json::from_slice(&create.body).unwrap()
}

/// The meta title and description travel in the post meta keys Yoast SEO and Rank Math read (a
/// site that registers them keeps them), with the excerpt, the terms by name and the status the
/// engine chose — reported as WordPress answers it.
#[tokio::test]
async fn seo_fields_go_to_the_keys_yoast_and_rank_math_read() {
    let (server, fake) = site(true).await;
    let mut post = draft("seo-1", "seo");
    post.meta_title = Some("Best CRM software in 2026 | Acme".into());
    post.meta_description = Some("How to choose a CRM: features, prices, pitfalls.".into());
    post.status = PostStatus::Publish;
    let out = client(&server).create_post(&post).await.unwrap();
    assert_eq!(out.value.status, "publish", "reported as WordPress answers");
    let body = create_body(&server.received_requests().await.unwrap());
    assert_eq!(body["status"], "publish");
    assert_eq!(body["excerpt"], "How to choose");
    assert_eq!(body["categories"].as_array().unwrap().len(), 2);
    for key in ["_yoast_wpseo_title", "rank_math_title"] {
        assert_eq!(body["meta"][key], "Best CRM software in 2026 | Acme", "{key}");
    }
    for key in ["_yoast_wpseo_metadesc", "rank_math_description"] {
        assert_eq!(body["meta"][key], "How to choose a CRM: features, prices, pitfalls.", "{key}");
    }
    let stored = fake.with(|s| s.posts.clone());
    assert_eq!(stored[0].seo_meta["_yoast_wpseo_title"], "Best CRM software in 2026 | Acme");

    // Drafts stay drafts and say so.
    let out = client(&server).create_post(&draft("seo-2", "seo-draft")).await.unwrap();
    assert_eq!(out.value.status, "draft");

    // Other keys (another SEO plugin), or none.
    let cfg = config(&server).with_seo_meta_keys(vec!["_aioseo_title".into()], Vec::new());
    WordPressClient::new(cfg).unwrap().create_post(&post).await.unwrap();
    let body = create_body(&server.received_requests().await.unwrap());
    assert_eq!(body["meta"]["_aioseo_title"], "Best CRM software in 2026 | Acme");
    assert!(
        body["meta"].get("rank_math_title").is_none() && body["meta"].get("_yoast_wpseo_metadesc").is_none()
    );
}
