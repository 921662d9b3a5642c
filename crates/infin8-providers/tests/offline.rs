//! Offline providers: determinism, shapes the engine relies on, idempotent publishing.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use infin8_core::keyword::SearchIntent;
use infin8_core::provider::{
    ChatMessage, CompletionRequest, DomainKeywordsRequest, Embedder, KeywordMetricsRequest, KeywordResearch,
    LanguageModel, Locale, PostDraft, PostStatus, Publisher, ResponseFormat, SerpResearch,
    SuggestionsRequest, WebResearch, WebSearchRequest,
};
use infin8_providers::json_schema::validate;
use infin8_providers::offline::{
    FilesystemPublisher, FixtureKeywords, HashingEmbedder, INDEX_FILE, LocalCorpus, OfflineProviders,
    ScriptedLanguageModel,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::HashSet;

fn suggestions(seed: &str, limit: u32) -> SuggestionsRequest {
    SuggestionsRequest { seed: seed.into(), locale: Locale::default(), limit }
}

#[tokio::test]
async fn suggestions_are_deterministic_and_give_filtering_work() {
    let kw = FixtureKeywords::new();
    let a = kw.keyword_suggestions(&suggestions("crm software", 100)).await.unwrap();
    let b = kw.keyword_suggestions(&suggestions("crm software", 100)).await.unwrap();
    assert_eq!(a, b);
    let ideas = a.value;
    assert!((10..=30).contains(&ideas.len()), "{}", ideas.len());
    let texts: Vec<&str> = ideas.iter().map(|i| i.keyword.as_str()).collect();
    for expected in ["crm software for small business", "best crm software", "how to choose crm software"] {
        assert!(texts.contains(&expected), "{expected} missing from {texts:?}");
    }
    assert!(texts.contains(&"best crm softwares"), "a near-duplicate");
    assert!(ideas.iter().any(|i| i.language.as_deref() != Some("en")), "a non-English keyword");
    assert!(ideas.iter().any(|i| i.metrics.intent == Some(SearchIntent::Navigational)));
    for idea in &ideas {
        assert!(idea.keyword.contains("crm software"), "{}", idea.keyword);
        let m = &idea.metrics;
        assert!(m.search_volume.is_some_and(|v| v > 0));
        assert!(m.difficulty.is_some_and(|d| (0..=100).contains(&d)));
        assert!(m.cpc.is_some_and(|c| c > 0.0));
        assert!(m.intent.is_some() && m.competition_level.is_some());
        assert!(!m.serp_urls.is_empty());
    }
    assert_eq!(a.usage.items, ideas.len() as u64);
    assert_eq!(a.usage.cost, infin8_core::Usd::ZERO);
    let limited = kw.keyword_suggestions(&suggestions("crm software", 5)).await.unwrap().value;
    assert_eq!(limited.len(), 5);
    // Another seed gives other keywords.
    let other = kw.keyword_suggestions(&suggestions("hiking boots", 100)).await.unwrap().value;
    assert!(other.iter().all(|i| i.keyword.contains("hiking boots")));
}

#[tokio::test]
async fn ranked_keywords_follow_the_domain_sorted_by_volume() {
    let kw = FixtureKeywords::new();
    let req = DomainKeywordsRequest { domain: "acme-crm.com".into(), locale: Locale::default(), limit: 15 };
    let ideas = kw.ranked_keywords(&req).await.unwrap().value;
    assert_eq!(ideas.len(), 15);
    let volumes: Vec<i64> = ideas.iter().map(|i| i.metrics.search_volume.unwrap()).collect();
    assert!(volumes.windows(2).all(|w| w[0] >= w[1]), "{volumes:?}");
    let all = kw.ranked_keywords(&DomainKeywordsRequest { limit: 1000, ..req.clone() }).await.unwrap().value;
    assert!(all.iter().any(|i| i.keyword.contains("acme")), "the domain's own words");
    assert!(all.iter().any(|i| i.keyword == "crm software" || i.keyword.starts_with("crm ")));
    let other = kw
        .ranked_keywords(&DomainKeywordsRequest { domain: "zebra-shoes.io".into(), ..req })
        .await
        .unwrap()
        .value;
    assert_ne!(ideas, other);
}

#[tokio::test]
async fn metrics_and_serps_overlap_for_related_keywords() {
    let kw = FixtureKeywords::new();
    let metrics = kw
        .keyword_metrics(&KeywordMetricsRequest {
            keywords: vec!["crm software".into(), "".into(), "email marketing".into()],
            locale: Locale::default(),
        })
        .await
        .unwrap()
        .value;
    assert_eq!(metrics.len(), 2);
    let urls = |k: &'static str| {
        let kw = kw.clone();
        async move { kw.top_urls(k, &Locale::default(), 10).await.unwrap().value }
    };
    let a = urls("best crm software").await;
    let b = urls("crm software for small business").await;
    let c = urls("hiking boots").await;
    assert_eq!(a.len(), 10);
    assert_eq!(a, urls("best crm software").await);
    let overlap = |x: &[String], y: &[String]| x.iter().filter(|u| y.contains(u)).count();
    assert!(overlap(&a, &b) >= 3, "related keywords share URLs: {a:?} {b:?}");
    assert_eq!(overlap(&a, &c), 0, "unrelated keywords do not");
}

#[tokio::test]
async fn fixture_file_overrides_generated_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kw.json");
    std::fs::write(
        &path,
        json!({
            "suggestions": {"CRM": [{"keyword": "crm for dentists", "metrics": {"search_volume": 70}, "language": "en", "source": "fixture"}]},
            "serp": {"crm": ["https://a.example/1", "https://b.example/2"]}
        })
        .to_string(),
    )
    .unwrap();
    let kw = FixtureKeywords::from_json_file(&path).unwrap();
    let ideas = kw.keyword_suggestions(&suggestions("crm", 10)).await.unwrap().value;
    assert_eq!(ideas.len(), 1);
    assert_eq!(ideas[0].keyword, "crm for dentists");
    assert_eq!(ideas[0].metrics.search_volume, Some(70));
    assert_eq!(kw.top_urls("crm", &Locale::default(), 1).await.unwrap().value, ["https://a.example/1"]);
    std::fs::write(&path, "{not json").unwrap();
    assert!(FixtureKeywords::from_json_file(&path).is_err());
    assert!(FixtureKeywords::from_json_file(dir.path().join("missing.json")).is_err());
}

#[tokio::test]
async fn builtin_corpus_ranks_the_relevant_document_first() {
    let corpus = LocalCorpus::builtin();
    assert_eq!(corpus.len(), 34);
    let hits = corpus.search(&WebSearchRequest::new("email marketing welcome sequence", 3)).await.unwrap();
    let hits = hits.value;
    assert_eq!(hits.len(), 3);
    assert!(hits[0].url.ends_with("/email-marketing-basics"), "{}", hits[0].url);
    assert!(hits[0].content.to_lowercase().contains("email"));
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(hits.iter().all(|h| h.score > 0.0 && h.score < 1.0));
    let none = corpus.search(&WebSearchRequest::new("zzzz qqqq", 3)).await.unwrap().value;
    assert!(none.is_empty());
    assert!(corpus.search(&WebSearchRequest::new("  ", 3)).await.is_err());
    let mut excluded = WebSearchRequest::new("email marketing", 20);
    excluded.exclude_domains = vec!["corpus.infin8.invalid".into()];
    assert!(corpus.search(&excluded).await.unwrap().value.is_empty());
}

#[tokio::test]
async fn folder_corpus_uses_file_urls_or_a_base_url() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("a.md"), "# Composting at home\nKitchen scraps and leaves make compost.")
        .unwrap();
    std::fs::write(dir.path().join("sub/b.txt"), "Bicycle maintenance\nOil the chain of the bicycle.")
        .unwrap();
    std::fs::write(dir.path().join("ignored.html"), "compost compost").unwrap();
    let corpus = LocalCorpus::from_dir(dir.path(), None).unwrap();
    assert_eq!(corpus.len(), 2);
    let hits = corpus.search(&WebSearchRequest::new("compost", 5)).await.unwrap().value;
    assert_eq!(hits.len(), 1);
    assert!(hits[0].url.starts_with("file://") && hits[0].url.ends_with("/a.md"));
    assert_eq!(hits[0].title, "Composting at home");
    let based = LocalCorpus::from_dir(dir.path(), Some("https://docs.example.com/kb")).unwrap();
    let hits = based.search(&WebSearchRequest::new("bicycle chain", 5)).await.unwrap().value;
    assert_eq!(hits[0].url, "https://docs.example.com/kb/sub/b.txt");
    let empty = tempfile::tempdir().unwrap();
    assert!(LocalCorpus::from_dir(empty.path(), None).is_err());
}

fn request(task: &str, user: &str, format: ResponseFormat) -> CompletionRequest {
    CompletionRequest {
        task: task.into(),
        messages: vec![ChatMessage::system("You are a writer."), ChatMessage::user(user)],
        temperature: Some(0.2),
        max_tokens: Some(800),
        response_format: format,
    }
}

fn schema_format(schema: Value) -> ResponseFormat {
    ResponseFormat::JsonSchema { name: "answer".into(), schema }
}

#[tokio::test]
async fn scripted_subtopics_are_distinct_and_contain_the_keyword() {
    let llm = ScriptedLanguageModel::new();
    let schema = json!({
        "type": "object", "additionalProperties": false, "required": ["subtopics"],
        "properties": {"subtopics": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "string"}}}
    });
    let req =
        request("subtopics", "Propose subtopics.\nKeyword: \"crm software\"", schema_format(schema.clone()));
    let out = llm.complete(&req).await.unwrap();
    let json = out.value.json.clone().unwrap();
    validate(&schema, &json).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&out.value.content).unwrap(), json);
    let items: Vec<&str> =
        json["subtopics"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!((4..=6).contains(&items.len()));
    assert_eq!(items.iter().collect::<HashSet<_>>().len(), items.len(), "{items:?}");
    assert!(items.iter().all(|s| s.contains("crm software")), "{items:?}");
    assert_eq!(llm.complete(&req).await.unwrap(), out, "deterministic");
    assert!(out.usage.prompt_tokens > 0 && out.usage.completion_tokens > 0);
    assert_eq!(out.usage.cost, infin8_core::Usd::ZERO);
    assert_eq!(out.value.model, "scripted-offline");
}

#[tokio::test]
async fn scripted_sections_quote_and_cite_only_listed_sources() {
    let llm = ScriptedLanguageModel::new();
    let prompt = "Focus keyword: email marketing\nSection role: body\nSection heading: Why email marketing matters\n\
                  Sources:\n[1] Email basics — https://a.example\nEmail marketing remains one of the cheapest channels for repeat sales.\n\
                  [3] Retention — https://b.example\nEmail newsletters keep customers coming back between two purchases.\n\
                  [4] Accounting — https://c.example\nSeparate business and personal bank accounts from the first day.\n";
    let out = llm.complete(&request("section", prompt, ResponseFormat::Text)).await.unwrap().value;
    let md = out.content;
    assert!(
        md.contains("Email marketing remains one of the cheapest channels for repeat sales [1]."),
        "{md}"
    );
    assert!(md.contains("[3]."), "{md}");
    assert!(!md.contains("[2]") && !md.contains('<'), "{md}");
    assert!(!md.contains("[4]"), "off topic: {md}");
    // Without sources in the prompt, no citation and no filler.
    let bare =
        llm.complete(&request("section", "Keyword: email marketing", ResponseFormat::Text)).await.unwrap();
    assert!(!bare.value.content.contains('['));
    assert!(bare.value.content.contains("No research source"));
    // JSON format wraps the same Markdown.
    let json = llm.complete(&request("section", prompt, ResponseFormat::Json)).await.unwrap().value;
    assert!(json.json.unwrap()["content"].as_str().unwrap().contains("[1]"));
}

#[tokio::test]
async fn scripted_model_handles_refs_combinators_and_bounds() {
    let llm = ScriptedLanguageModel::new();
    let schema = json!({
        "$defs": {"section": {"type": "object", "required": ["title", "points"],
            "properties": {"title": {"type": "string", "maxLength": 40},
                           "points": {"type": "array", "items": {"type": "string", "minLength": 30}, "minItems": 2}}}},
        "type": "object",
        "required": ["sections", "score", "ratio", "kind", "published", "note", "when", "mixed"],
        "properties": {
            "sections": {"type": "array", "minItems": 3, "maxItems": 3, "items": {"$ref": "#/$defs/section"}},
            "score": {"type": "integer", "minimum": 90, "maximum": 95},
            "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "kind": {"enum": ["b2b", "b2c"]},
            "published": {"type": "boolean"},
            "note": {"type": ["null", "string"]},
            "when": {"type": "string", "format": "date-time"},
            "mixed": {"allOf": [{"type": "object", "required": ["a"], "properties": {"a": {"const": 1}}},
                                {"required": ["b"], "properties": {"b": {"anyOf": [{"type": "null"}, {"type": "integer"}]}}}]}
        }
    });
    let out = llm
        .complete(&request("outline", "Outline for topic: lead generation", schema_format(schema.clone())))
        .await
        .unwrap();
    let v = out.value.json.unwrap();
    validate(&schema, &v).unwrap();
    assert_eq!(v["kind"], "b2b");
    assert_eq!(v["sections"].as_array().unwrap().len(), 3);
    assert!(v["sections"][0]["title"].as_str().unwrap().to_lowercase().contains("lead generation"));
}

/// Random JSON schemas of the supported subset.
fn arb_schema() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        (0u32..5, proptest::option::of(5u32..40)).prop_map(|(min, max)| {
            let mut s = json!({"type": "string", "minLength": min});
            if let Some(max) = max {
                s["maxLength"] = json!(max.max(min));
            }
            s
        }),
        (-50i64..50, 0i64..100)
            .prop_map(|(lo, span)| json!({"type": "integer", "minimum": lo, "maximum": lo + span})),
        (-5.0f64..5.0).prop_map(|lo| json!({"type": "number", "exclusiveMinimum": lo, "maximum": lo + 1.0})),
        Just(json!({"type": "boolean"})),
        Just(json!({"enum": ["x", 2, null]})),
        Just(json!({"const": {"k": [1]}})),
        Just(json!({"type": "null"})),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            (inner.clone(), 0u64..4, 0u64..3).prop_map(|(items, min, extra)| {
                json!({"type": "array", "items": items, "minItems": min, "maxItems": min + extra})
            }),
            proptest::collection::btree_map("[a-z_]{1,8}", inner.clone(), 0..5).prop_map(|props| {
                let required: Vec<&String> = props.keys().collect();
                json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
            }),
            proptest::collection::vec(inner, 1..3).prop_map(|opts| json!({"anyOf": opts})),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn scripted_json_is_valid_for_any_schema(schema in arb_schema(), prompt in "[a-z ]{0,60}", task in "(icp|subtopics|outline|section|other)") {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let out = rt.block_on(ScriptedLanguageModel::new().complete(&request(&task, &prompt, schema_format(schema.clone()))));
        let out = out.unwrap().value;
        let v = out.json.unwrap();
        prop_assert!(validate(&schema, &v).is_ok(), "{} for {}", v, schema);
    }
}

#[tokio::test]
async fn hashing_embedder_is_normalized_and_lexical() {
    let e = HashingEmbedder::default();
    assert_eq!(e.dimensions(), Some(256));
    let texts: Vec<String> =
        ["crm software for small business", "crm software small businesses", "trail running shoes", ""]
            .map(String::from)
            .to_vec();
    let out = e.embed(&texts).await.unwrap();
    let v = out.value;
    assert_eq!(v.len(), 4);
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    assert!((dot(&v[0], &v[0]) - 1.0).abs() < 1e-5);
    assert!(dot(&v[0], &v[1]) > 0.6, "{}", dot(&v[0], &v[1]));
    assert!(dot(&v[0], &v[2]) < 0.25);
    assert!(v[3].iter().all(|x| *x == 0.0));
    assert_eq!(out.usage.items, 4);
    assert_eq!(e.embed(&texts).await.unwrap().value, v);
    assert_eq!(v[0], infin8_core::cluster::embed::hash_embed(&texts[0], 256), "the core's algorithm");
}

fn draft(key: &str, title: &str) -> PostDraft {
    PostDraft {
        idempotency_key: key.into(),
        title: title.into(),
        content_html: "<p>Body [1]</p>".into(),
        excerpt: "An excerpt".into(),
        slug: "Best CRM Software".into(),
        status: PostStatus::Draft,
        categories: vec!["CRM".into()],
        tags: vec!["sales".into()],
        meta_title: Some("Best CRM <2026>".into()),
        meta_description: Some("How to choose a CRM & more".into()),
        provenance: json!({"model": "scripted-offline", "evil": "</script><script>alert(1)</script>"}),
    }
}

#[tokio::test]
async fn filesystem_publisher_is_idempotent_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("posts");
    let publisher = FilesystemPublisher::new(&out);
    assert_eq!(publisher.find_post("k1").await.unwrap(), None);
    let first = publisher.create_post(&draft("k1", "Best CRM")).await.unwrap().value;
    assert!(first.remote_id.starts_with("best-crm-software-") && first.remote_id.ends_with(".html"));
    assert!(first.url.starts_with("file:///") && first.url.ends_with(&first.remote_id));
    assert_eq!(first.status, "draft");
    let html = std::fs::read_to_string(out.join(&first.remote_id)).unwrap();
    assert!(html.contains("<title>Best CRM &lt;2026&gt;</title>"));
    assert!(html.contains("<meta name=\"description\" content=\"How to choose a CRM &amp; more\">"));
    assert!(html.contains("<script type=\"application/json\" id=\"infin8-provenance\">"));
    assert!(html.contains("<p>Body [1]</p>"));
    assert_eq!(html.matches("</script>").count(), 1, "provenance cannot close the script early");
    let start = html.find("id=\"infin8-provenance\">").unwrap() + "id=\"infin8-provenance\">".len();
    let end = html[start..].find("</script>").unwrap() + start;
    let provenance: Value = serde_json::from_str(&html[start..end]).unwrap();
    assert_eq!(provenance["idempotency_key"], "k1");
    assert_eq!(provenance["provenance"]["model"], "scripted-offline");

    // Same key again (a retry after a crash): the same post, no second file.
    let again = publisher.create_post(&draft("k1", "Other title")).await.unwrap().value;
    assert_eq!(again, first);
    let html_files = |p: &std::path::Path| {
        std::fs::read_dir(p)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "html"))
            .count()
    };
    assert_eq!(html_files(&out), 1);
    // Another key with the same slug: another file.
    let second = publisher.create_post(&draft("k2", "Best CRM")).await.unwrap().value;
    assert_ne!(second.remote_id, first.remote_id);
    assert_eq!(html_files(&out), 2);

    // A new instance (a restarted process) finds the posts through index.json.
    let restarted = FilesystemPublisher::new(&out);
    assert_eq!(restarted.find_post("k1").await.unwrap(), Some(first.clone()));
    let index: Value = serde_json::from_str(&std::fs::read_to_string(out.join(INDEX_FILE)).unwrap()).unwrap();
    assert_eq!(index["k2"]["file"], second.remote_id.as_str());
    assert!(
        std::fs::read_dir(&out).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp"))
    );

    let mut changed = draft("k1", "Updated title");
    changed.status = PostStatus::Publish;
    let updated = restarted.update_post(&first.remote_id, &changed).await.unwrap().value;
    assert_eq!(updated.remote_id, first.remote_id);
    assert_eq!(updated.status, "publish");
    assert!(std::fs::read_to_string(out.join(&first.remote_id)).unwrap().contains("<h1>Updated title</h1>"));
    assert_eq!(restarted.find_post("k1").await.unwrap().unwrap().status, "publish");
    let missing = restarted.update_post("nope.html", &changed).await.unwrap_err();
    assert!(matches!(missing, infin8_core::provider::ProviderError::NotFound { .. }));
}

#[tokio::test]
async fn concurrent_creates_with_one_key_make_one_post() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = FilesystemPublisher::new(dir.path());
    let mut handles = Vec::new();
    for _ in 0..8 {
        let p = publisher.clone();
        handles.push(tokio::spawn(async move { p.create_post(&draft("same", "T")).await.unwrap().value }));
    }
    let mut ids = HashSet::new();
    for h in handles {
        ids.insert(h.await.unwrap().remote_id);
    }
    assert_eq!(ids.len(), 1);
}

/// A crashed publish leaves `.tmp` files (in the folder and in `.claims/`): the next write
/// removes the stale ones and keeps a fresh one (a live writer's, in another process).
#[tokio::test]
async fn stale_temporary_files_of_a_crashed_publish_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("published");
    let claims = out.join(infin8_providers::offline::CLAIMS_DIR);
    std::fs::create_dir_all(&claims).unwrap();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3_600);
    let stale =
        [out.join(".best-crm-1a2b3c4d.html.4242.0.tmp"), claims.join(".00ff00ff00ff00ff.json.4242.1.tmp")];
    for path in &stale {
        let file = std::fs::File::create(path).unwrap();
        file.set_modified(hour_ago).unwrap();
    }
    let fresh = out.join(".index.json.4343.0.tmp");
    std::fs::write(&fresh, b"{}").unwrap();
    let keep = out.join("notes.tmp"); // not one of ours (no leading dot): never touched
    std::fs::File::create(&keep).unwrap().set_modified(hour_ago).unwrap();

    let publisher = FilesystemPublisher::new(&out);
    let post = publisher.create_post(&draft("k1", "Best CRM")).await.unwrap().value;
    assert!(out.join(&post.remote_id).is_file());
    for path in &stale {
        assert!(!path.exists(), "{} removed", path.display());
    }
    assert!(fresh.exists(), "a fresh temporary file may be a live writer's");
    assert!(keep.exists());
    assert_eq!(infin8_providers::offline::remove_stale_temp_files(&out, std::time::Duration::ZERO), 1);
    assert!(!fresh.exists());
}

#[tokio::test]
async fn offline_providers_bundle_everything() {
    let dir = tempfile::tempdir().unwrap();
    let providers = OfflineProviders::new(dir.path()).embedding_dim(64).build().unwrap();
    assert_eq!(providers.keywords.name(), "fixture-keywords");
    assert!(providers.serp.is_some());
    assert_eq!(providers.web.name(), "local-corpus");
    assert_eq!(providers.embedder.dimensions(), Some(64));
    assert_eq!(providers.publisher.platform(), "filesystem");
    let no_serp = OfflineProviders::new(dir.path()).serp(false).build().unwrap();
    assert!(no_serp.serp.is_none());
    assert!(OfflineProviders::new(dir.path()).corpus_dir(dir.path().join("missing")).build().is_err());
}

/// The prompts and schemas the engine sends (copied from `infin8-core`'s steps), answered with
/// content the engine's own checks accept.
mod engine_prompts {
    use super::*;

    #[tokio::test]
    async fn icp_uses_the_audiences_and_fills_every_list() {
        let strings = |min: u32| json!({ "type": "array", "minItems": min, "maxItems": 12, "items": { "type": "string", "minLength": 1 } });
        let schema = json!({
            "type": "object", "additionalProperties": false,
            "required": ["segments", "pains", "goals", "vocabulary"],
            "properties": {
                "segments": {"type": "array", "minItems": 1, "maxItems": 6, "items": {
                    "type": "object", "additionalProperties": false, "required": ["name", "description"],
                    "properties": {"name": {"type": "string", "minLength": 1}, "description": {"type": "string", "minLength": 1}}}},
                "pains": strings(1), "goals": strings(1), "vocabulary": strings(1)
            }
        });
        let prompt = "Business: Acme CRM\nWebsite: https://acme.example\nTarget audiences: small agencies, freelance consultants\n\
                      Campaign: Q3\nA simple CRM for agencies that juggle many client projects.\n\n\
                      Describe the ideal customer profile: customer segments, their pains, their goals, and the vocabulary they search with.";
        let out = ScriptedLanguageModel::new()
            .complete(&request("icp", prompt, schema_format(schema.clone())))
            .await
            .unwrap();
        let v = out.value.json.unwrap();
        validate(&schema, &v).unwrap();
        let names: Vec<&str> =
            v["segments"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names[0], "Small agencies", "{v}");
        for list in ["pains", "goals", "vocabulary"] {
            let items: Vec<&str> = v[list].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
            assert!(items.iter().all(|s| !s.trim().is_empty()));
            assert_eq!(items.iter().collect::<HashSet<_>>().len(), items.len(), "{list}: {items:?}");
        }
    }

    #[tokio::test]
    async fn outline_has_a_keyword_title_and_distinct_headings() {
        let schema = json!({
            "type": "object", "additionalProperties": false, "required": ["title", "sections"],
            "properties": {
                "title": {"type": "string", "minLength": 10, "maxLength": 90},
                "sections": {"type": "array", "minItems": 3, "maxItems": 6, "items": {
                    "type": "object", "additionalProperties": false, "required": ["heading", "research_query"],
                    "properties": {"heading": {"type": "string", "minLength": 3}, "research_query": {"type": "string", "minLength": 3}}}}
            }
        });
        let prompt = "Keyword: email marketing\nSubtopics to cover: welcome sequences; segmentation\n\
                      Propose a title containing the keyword and 3 to 6 section headings, each with a web research query.";
        let v = ScriptedLanguageModel::new()
            .complete(&request("outline", prompt, schema_format(schema.clone())))
            .await
            .unwrap()
            .value
            .json
            .unwrap();
        validate(&schema, &v).unwrap();
        assert!(v["title"].as_str().unwrap().to_lowercase().contains("email marketing"), "{v}");
        let headings: Vec<&str> =
            v["sections"].as_array().unwrap().iter().map(|s| s["heading"].as_str().unwrap()).collect();
        assert_eq!(headings.iter().collect::<HashSet<_>>().len(), headings.len(), "{headings:?}");
    }

    #[tokio::test]
    async fn section_prompt_of_the_engine() {
        let prompt = "Article: Email marketing explained\nFocus keyword: email marketing\nSearch intent: informational — explain plainly\n\
                      Section 2 of 4: Why email marketing matters\nSection role: body\nSection heading: Why email marketing matters\n\
                      Subtopics of the article: welcome sequences; segmentation\n\nSources:\n\
                      [1] Email marketing basics — https://corpus.infin8.invalid/email-marketing-basics\nEmail marketing remains one of the cheapest channels for repeat sales. Build the list with consent.\n\
                      [2] Marketing automation — https://corpus.infin8.invalid/marketing-automation\nMarketing automation sends the right message when a customer acts, without manual work.\n\
                      Write this section: two to four paragraphs.";
        let html = ScriptedLanguageModel::new()
            .complete(&request("section", prompt, ResponseFormat::Text))
            .await
            .unwrap()
            .value
            .content;
        assert!(html.contains("[1]") && html.contains("[2]") && !html.contains("[3]"), "{html}");
        assert!(html.to_lowercase().contains("email marketing"));
    }
}

/// The quickstart's business.
const NORTHWIND: &str = "Northwind Analytics makes product analytics software for B2B SaaS companies. \
Product managers and growth teams use it to track feature adoption, build funnels and cohorts, \
measure retention and churn, and run A/B tests without writing SQL. It connects to the data \
warehouse, respects customer privacy (GDPR-ready, self-hosting option), and is priced per \
tracked user so small teams can start free.";

/// The built-in generic vocabulary's topics (a sample that must not leak into a business's data).
const GENERIC_TOPICS: &[&str] = &[
    "crm software",
    "email marketing",
    "invoice software",
    "b2b marketing",
    "project management",
    "help desk software",
    "inventory management",
    "small business accounting",
];

#[tokio::test]
async fn ranked_keywords_follow_the_business_topics() {
    let kw = FixtureKeywords::for_business(NORTHWIND);
    assert_eq!(kw.topics()[0], "product analytics", "{:?}", kw.topics());
    assert!(!kw.topics().iter().any(|t| t.contains("northwind")), "the business's own name is not a topic");
    for domain in ["mixpanel.com", "amplitude.com"] {
        let req = DomainKeywordsRequest { domain: domain.into(), locale: Locale::default(), limit: 100 };
        let ideas = kw.ranked_keywords(&req).await.unwrap().value;
        let texts: Vec<&str> = ideas.iter().map(|i| i.keyword.as_str()).collect();
        assert!(texts.contains(&"product analytics"), "{domain}: {texts:?}");
        assert!(texts.iter().filter(|t| t.contains("analytics")).count() >= 3, "{domain}: {texts:?}");
        for generic in GENERIC_TOPICS {
            assert!(!texts.iter().any(|t| t.contains(generic)), "{domain}: {generic} in {texts:?}");
        }
        assert_eq!(kw.ranked_keywords(&req).await.unwrap().value, ideas, "deterministic");
    }
    // Longtails expand the business's seeds.
    let longtails = kw.keyword_suggestions(&suggestions("product analytics", 30)).await.unwrap().value;
    assert!(longtails.iter().all(|i| i.keyword.contains("product analytics")));
    // Without a business, the generic vocabulary stays the fallback.
    let generic = FixtureKeywords::new().with_topics(["  ", ""]);
    assert!(generic.topics().is_empty());
    let req = DomainKeywordsRequest { domain: "mixpanel.com".into(), locale: Locale::default(), limit: 100 };
    let texts: Vec<String> =
        generic.ranked_keywords(&req).await.unwrap().value.into_iter().map(|i| i.keyword).collect();
    assert!(texts.iter().any(|t| GENERIC_TOPICS.iter().any(|g| t.contains(g))), "{texts:?}");
}

#[tokio::test]
async fn offline_providers_built_for_a_business_rank_its_topics() {
    let dir = tempfile::tempdir().unwrap();
    let providers = OfflineProviders::new(dir.path()).business_description(NORTHWIND).build().unwrap();
    let req = DomainKeywordsRequest { domain: "mixpanel.com".into(), locale: Locale::default(), limit: 100 };
    let texts: Vec<String> = providers
        .keywords
        .ranked_keywords(&req)
        .await
        .unwrap()
        .value
        .into_iter()
        .map(|i| i.keyword)
        .collect();
    assert!(texts.iter().any(|t| t == "product analytics"), "{texts:?}");
    assert!(!texts.iter().any(|t| GENERIC_TOPICS.iter().any(|g| t.contains(g))), "{texts:?}");
}

#[tokio::test]
async fn simulated_prices_are_metered_and_estimated() {
    use infin8_core::Usd;
    use infin8_providers::offline::OfflinePrices;
    let dir = tempfile::tempdir().unwrap();
    let list = OfflinePrices::list();
    let p = OfflineProviders::new(dir.path()).build().unwrap();

    let req = DomainKeywordsRequest { domain: "mixpanel.com".into(), locale: Locale::default(), limit: 50 };
    let ranked = p.keywords.ranked_keywords(&req).await.unwrap();
    assert_eq!(ranked.usage.cost, Usd::from_micros(10_100), "one DataForSEO Labs call");
    assert_eq!(p.keywords.estimate(), ranked.usage.cost);
    let longtails = p.keywords.keyword_suggestions(&suggestions("product analytics", 20)).await.unwrap();
    assert_eq!(longtails.usage.cost, list.keyword_call);
    let serp = p.serp.as_ref().unwrap();
    assert_eq!(
        serp.top_urls("product analytics", &Locale::default(), 10).await.unwrap().usage.cost,
        list.serp(10)
    );
    assert_eq!(serp.estimate(), Usd::from_micros(2_000));

    let search = WebSearchRequest::new("customer retention", 4);
    let found = p.web.search(&search).await.unwrap();
    assert_eq!(found.usage.cost, Usd::from_micros(8_000), "one Tavily credit");
    assert_eq!(p.web.estimate(&search), found.usage.cost);

    let request = request("section", "Keyword: \"product analytics\"\n[1] A source", ResponseFormat::Text);
    let out = p.llm.complete(&request).await.unwrap();
    let expected = list.llm_tokens(out.usage.prompt_tokens, out.usage.completion_tokens);
    assert!(out.usage.cost > Usd::ZERO);
    assert_eq!(out.usage.cost, expected);
    assert!(p.llm.estimate(&request) >= out.usage.cost, "the estimate covers the call");

    let texts = vec!["product analytics".to_string(), "feature adoption".to_string()];
    let embedded = p.embedder.embed(&texts).await.unwrap();
    assert!(embedded.usage.cost > Usd::ZERO);
    assert_eq!(p.embedder.estimate(&texts), embedded.usage.cost);

    // Free on request, and deterministic either way.
    let free = OfflineProviders::new(dir.path()).prices(OfflinePrices::free()).build().unwrap();
    assert_eq!(free.keywords.ranked_keywords(&req).await.unwrap().usage.cost, Usd::ZERO);
    assert_eq!(free.llm.complete(&request).await.unwrap().usage.cost, Usd::ZERO);
    assert_eq!(free.llm.estimate(&request), Usd::ZERO);
    assert_eq!(free.web.search(&search).await.unwrap().value, found.value);
}

/// Two publishers on one folder (two processes, or a crashed run and its retry) racing on the
/// same article: one post file, one reference.
#[test]
fn two_publishers_racing_on_one_article_make_one_post() {
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let publisher = FilesystemPublisher::new(dir.path());
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
                    // The same article, possibly rendered with different details by each run.
                    let post = draft("article-42", &format!("Title from run {i}"));
                    barrier.wait();
                    rt.block_on(publisher.create_post(&post)).unwrap().value
                })
            })
            .collect();
        let posts: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(posts[0], posts[1], "round {round}: both get the same reference");
        let html: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".html"))
            .collect();
        assert_eq!(html, [posts[0].remote_id.clone()], "round {round}: exactly one post file");
        let leftovers = std::fs::read_dir(dir.path().join(infin8_providers::offline::CLAIMS_DIR))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".tmp"))
            .count();
        assert_eq!(leftovers, 0);
        let index: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(INDEX_FILE)).unwrap()).unwrap();
        assert_eq!(index["article-42"]["file"], posts[0].remote_id.as_str());
        // A third publisher (a later process) finds it.
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let later = FilesystemPublisher::new(dir.path());
        assert_eq!(rt.block_on(later.find_post("article-42")).unwrap(), Some(posts[0].clone()));
    }
}

/// A run that claimed the key and died before writing the post: `find_post` reports nothing (so
/// the engine publishes again), and the retry writes the claimed file, not a second one.
#[tokio::test]
async fn a_claim_without_its_post_is_completed_by_the_retry() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = FilesystemPublisher::new(dir.path());
    let first = publisher.create_post(&draft("k1", "First")).await.unwrap().value;
    std::fs::remove_file(dir.path().join(&first.remote_id)).unwrap();
    assert_eq!(publisher.find_post("k1").await.unwrap(), None);
    let retry = FilesystemPublisher::new(dir.path()).create_post(&draft("k1", "Retry")).await.unwrap();
    assert_eq!(retry.value, first);
    assert_eq!(retry.usage.items, 1, "the retry wrote the page");
    assert!(std::fs::read_to_string(dir.path().join(&first.remote_id)).unwrap().contains("<h1>Retry</h1>"));
    assert_eq!(publisher.find_post("k1").await.unwrap(), Some(first));
}

/// Folders written before claims existed: the index alone still makes `create_post` idempotent.
#[tokio::test]
async fn posts_listed_only_by_an_older_index_are_found() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old-post-1.html"), "<html></html>").unwrap();
    std::fs::write(
        dir.path().join(INDEX_FILE),
        r#"{"old-key": {"file": "old-post-1.html", "status": "publish"}}"#,
    )
    .unwrap();
    let publisher = FilesystemPublisher::new(dir.path());
    let found = publisher.find_post("old-key").await.unwrap().unwrap();
    assert_eq!(found.remote_id, "old-post-1.html");
    let again = publisher.create_post(&draft("old-key", "T")).await.unwrap();
    assert_eq!(again.value, found);
    assert_eq!(again.usage.items, 0, "nothing written");
    let new = publisher.create_post(&draft("new-key", "T")).await.unwrap().value;
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(INDEX_FILE)).unwrap()).unwrap();
    assert_eq!(index["old-key"]["file"], "old-post-1.html", "older entries survive a rebuild");
    assert_eq!(index["new-key"]["file"], new.remote_id.as_str());
}

/// A damaged `index.json` (documented as a listing only) does not fail publishing: the claims are
/// the truth, the posts are found, and the next write rebuilds the index from them.
#[tokio::test]
async fn a_damaged_index_is_rebuilt_from_the_claims() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = FilesystemPublisher::new(dir.path());
    let first = publisher.create_post(&draft("k1", "First")).await.unwrap().value;
    for damage in ["{ not json", "[1, 2, 3]", ""] {
        std::fs::write(dir.path().join(INDEX_FILE), damage).unwrap();
        assert_eq!(publisher.find_post("k1").await.unwrap(), Some(first.clone()), "{damage:?}");
        let again = FilesystemPublisher::new(dir.path()).create_post(&draft("k1", "First")).await.unwrap();
        assert_eq!(again.value, first);
        let index: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(INDEX_FILE)).unwrap()).unwrap();
        assert_eq!(index["k1"]["file"], first.remote_id.as_str(), "rebuilt after {damage:?}");
    }
    std::fs::write(dir.path().join(INDEX_FILE), "garbage").unwrap();
    let second = publisher.create_post(&draft("k2", "Second")).await.unwrap().value;
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(INDEX_FILE)).unwrap()).unwrap();
    assert_eq!(index["k1"]["file"], first.remote_id.as_str());
    assert_eq!(index["k2"]["file"], second.remote_id.as_str());
}

/// The page carries the canonical URL and JSON-LD of `provenance.seo`, safely embedded.
#[tokio::test]
async fn pages_carry_canonical_and_json_ld() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = draft("k-seo", "Title");
    d.provenance = serde_json::json!({ "seo": {
        "canonical_url": "https://example.com/crm/",
        "json_ld": { "@type": "Article", "headline": "</script><script>alert(1)</script>" }
    }});
    let post = FilesystemPublisher::new(dir.path()).create_post(&d).await.unwrap().value;
    let page = std::fs::read_to_string(dir.path().join(&post.remote_id)).unwrap();
    assert!(page.contains("<link rel=\"canonical\" href=\"https://example.com/crm/\">"));
    assert!(page.contains("<script type=\"application/ld+json\">"));
    assert!(!page.contains("</script><script>alert(1)"));
    d.provenance["seo"]["canonical_url"] = serde_json::json!("javascript:alert(1)");
    d.idempotency_key = "k-seo-2".into();
    let post = FilesystemPublisher::new(dir.path()).create_post(&d).await.unwrap().value;
    let page = std::fs::read_to_string(dir.path().join(&post.remote_id)).unwrap();
    assert!(!page.contains("rel=\"canonical\""));
}
