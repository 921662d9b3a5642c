//! Deterministic fake providers for engine tests: keyword research, SERP top URLs, web research,
//! a language model answering by task, a lexical embedder and an in-memory publisher. Each counts its calls,
//! can be switched into an outage (every call fails with a retryable `Unavailable`), and charges a
//! fixed, known cost per call (with an estimate that bounds it).

use crate::article::{Source, slugify};
use crate::cluster::embed::hash_embed;
use crate::keyword::{KeywordMetrics, SearchIntent};
use crate::money::Usd;
use crate::provider::{
    Completion, CompletionRequest, DomainKeywordsRequest, Embedder, KeywordIdea, KeywordMetricsRequest,
    KeywordResearch, LanguageModel, Locale, Metered, PostDraft, ProviderError, ProviderUsage, Providers,
    PublishedPost, Publisher, ResponseFormat, SerpResearch, SuggestionsRequest, WebResearch,
    WebSearchRequest,
};
use async_trait::async_trait;
use futures::future::BoxFuture;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Cost of one keyword research call.
pub const KEYWORD_CALL_COST: Usd = Usd::from_micros(10_000);
/// Cost of one SERP (top URLs) call.
pub const SERP_CALL_COST: Usd = Usd::from_micros(3_000);
/// Cost of one web search.
pub const WEB_CALL_COST: Usd = Usd::from_micros(5_000);
/// Cost per language-model token.
pub const LLM_TOKEN_COST_MICROS: i64 = 2;
/// Cost per embedded text.
pub const EMBED_TEXT_COST: Usd = Usd::from_micros(100);

/// A hook run at the start of every language-model call with its task (e.g. to cancel the
/// workflow mid-step from a test).
pub type CallHook = Arc<dyn Fn(String) -> BoxFuture<'static, ()> + Send + Sync>;

/// Call counting and the outage switch, shared by every fake.
#[derive(Debug, Default)]
pub struct Switch {
    calls: AtomicU64,
    outage: AtomicBool,
}

impl Switch {
    /// Calls so far (failed ones included).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// Starts or ends an outage.
    pub fn set_outage(&self, on: bool) {
        self.outage.store(on, Ordering::SeqCst);
    }

    fn enter(&self, provider: &str) -> Result<(), ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.outage.load(Ordering::SeqCst) {
            return Err(ProviderError::Unavailable {
                provider: provider.into(),
                status: Some(503),
                message: "injected outage".into(),
            });
        }
        Ok(())
    }
}

fn paid<T>(value: T, cost: Usd, items: u64) -> Metered<T> {
    Metered::new(value, ProviderUsage { cost, requests: 1, items, ..ProviderUsage::default() })
}

/// Keyword research over a fixed topic world: every competitor ranks for the same themes (plus
/// its own brand, which filtering drops as navigational); suggestions are variations of a seed.
#[derive(Debug, Default)]
pub struct FakeKeywords {
    /// Calls and outage.
    pub switch: Switch,
}

/// The themes every fake competitor ranks for, with volumes.
pub const THEMES: [(&str, i64); 4] =
    [("crm software", 9_000), ("sales pipeline", 4_000), ("email marketing", 6_000), ("lead scoring", 1_500)];

fn idea(keyword: String, volume: i64, intent: SearchIntent, source: &str) -> KeywordIdea {
    KeywordIdea {
        keyword,
        metrics: KeywordMetrics {
            search_volume: Some(volume),
            difficulty: Some(30),
            intent: Some(intent),
            ..KeywordMetrics::default()
        },
        language: Some("en".into()),
        source: source.into(),
    }
}

#[async_trait]
impl KeywordResearch for FakeKeywords {
    fn name(&self) -> &str {
        "fake-keywords"
    }
    fn estimate(&self) -> Usd {
        KEYWORD_CALL_COST
    }
    async fn ranked_keywords(
        &self,
        request: &DomainKeywordsRequest,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError> {
        self.switch.enter("fake-keywords")?;
        let brand = request.domain.split('.').next().unwrap_or("brand").to_string();
        let mut out: Vec<KeywordIdea> = THEMES
            .iter()
            .map(|(k, v)| idea((*k).to_string(), *v, SearchIntent::Commercial, "fake:ranked_keywords"))
            .collect();
        out.push(idea(format!("{brand} login"), 2_000, SearchIntent::Navigational, "fake:ranked_keywords"));
        out.truncate(request.limit as usize);
        let n = out.len() as u64;
        Ok(paid(out, KEYWORD_CALL_COST, n))
    }
    async fn keyword_suggestions(
        &self,
        request: &SuggestionsRequest,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError> {
        self.switch.enter("fake-keywords")?;
        let s = &request.seed;
        let variants = [
            (format!("best {s}"), 900),
            (format!("{s} pricing"), 700),
            (format!("{s} for small business"), 500),
            (format!("free {s}"), 400),
            (format!("{s} comparison"), 300),
            (format!("{s} tools"), 5),
        ];
        let mut out: Vec<KeywordIdea> = variants
            .into_iter()
            .map(|(k, v)| idea(k, v, SearchIntent::Commercial, "fake:keyword_suggestions"))
            .collect();
        out.truncate(request.limit as usize);
        let n = out.len() as u64;
        Ok(paid(out, KEYWORD_CALL_COST, n))
    }
    async fn keyword_metrics(
        &self,
        _request: &KeywordMetricsRequest,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError> {
        self.switch.enter("fake-keywords")?;
        Ok(paid(Vec::new(), KEYWORD_CALL_COST, 0))
    }
}

/// SERP top URLs: the URLs scripted for a keyword (by its text, lower-cased), else URLs derived
/// from its words: one per word and one per pair of adjacent words, in that order, so keywords
/// sharing a two-word phrase ("best crm software", "crm software pricing") share three URLs.
#[derive(Debug, Default)]
pub struct FakeSerp {
    /// Calls and outage.
    pub switch: Switch,
    /// URLs per keyword text (lower-cased), overriding the derived ones.
    pub scripted: Mutex<BTreeMap<String, Vec<String>>>,
    /// Keywords answered, in call order (failed calls are not listed).
    pub answered: Mutex<Vec<String>>,
    /// When set, only this many more calls succeed; later ones fail with a retryable
    /// `Unavailable` (until it is reset to `None`).
    pub fail_after: Mutex<Option<u64>>,
}

impl FakeSerp {
    /// Scripts the URLs of `keyword`.
    pub fn script(&self, keyword: &str, urls: &[&str]) {
        if let Ok(mut m) = self.scripted.lock() {
            m.insert(keyword.to_lowercase(), urls.iter().map(|u| (*u).to_string()).collect());
        }
    }

    /// The keywords answered so far, in call order.
    pub fn answered(&self) -> Vec<String> {
        self.answered.lock().map(|a| a.clone()).unwrap_or_default()
    }

    /// The URLs derived from a keyword's words (see the type docs).
    #[must_use]
    pub fn derived_urls(keyword: &str) -> Vec<String> {
        let lower = keyword.to_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let mut out: Vec<String> = words.iter().map(|w| format!("https://{w}.example/guide")).collect();
        out.extend(words.windows(2).map(|p| format!("https://{}-{}.example/", p[0], p[1])));
        out
    }
}

#[async_trait]
impl SerpResearch for FakeSerp {
    fn name(&self) -> &str {
        "fake-serp"
    }
    fn estimate(&self) -> Usd {
        SERP_CALL_COST
    }
    async fn top_urls(
        &self,
        keyword: &str,
        _locale: &Locale,
        depth: u32,
    ) -> Result<Metered<Vec<String>>, ProviderError> {
        self.switch.enter("fake-serp")?;
        let exhausted = match self.fail_after.lock() {
            Ok(mut left) => match left.as_mut() {
                Some(0) => true,
                Some(n) => {
                    *n -= 1;
                    false
                }
                None => false,
            },
            Err(_) => true,
        };
        if exhausted {
            return Err(ProviderError::unavailable("fake-serp", "injected failure"));
        }
        let scripted = self.scripted.lock().ok().and_then(|m| m.get(&keyword.to_lowercase()).cloned());
        let mut urls = scripted.unwrap_or_else(|| Self::derived_urls(keyword));
        urls.truncate(depth as usize);
        if let Ok(mut a) = self.answered.lock() {
            a.push(keyword.to_string());
        }
        let n = urls.len() as u64;
        Ok(paid(urls, SERP_CALL_COST, n))
    }
}

/// Web research returning three sources per query on three domains.
#[derive(Debug, Default)]
pub struct FakeWeb {
    /// Calls and outage.
    pub switch: Switch,
}

#[async_trait]
impl WebResearch for FakeWeb {
    fn name(&self) -> &str {
        "fake-web"
    }
    fn estimate(&self, _request: &WebSearchRequest) -> Usd {
        WEB_CALL_COST
    }
    async fn search(&self, request: &WebSearchRequest) -> Result<Metered<Vec<Source>>, ProviderError> {
        self.switch.enter("fake-web")?;
        let slug = slugify(&request.query);
        let out: Vec<Source> = ["alpha.example", "beta.example", "gamma.example"]
            .iter()
            .take(request.max_results.max(1) as usize)
            .enumerate()
            .map(|(i, d)| Source {
                url: format!("https://{d}/{slug}"),
                title: format!("{} on {d}", request.query),
                content: format!(
                    "What {d} says about {}: a fact worth citing, number {}.",
                    request.query,
                    i + 1
                ),
                score: 0.9 - 0.1 * i as f64,
            })
            .collect();
        let n = out.len() as u64;
        Ok(paid(out, WEB_CALL_COST, n))
    }
}

/// A language model answering by task with fixed, schema-valid content.
#[derive(Default)]
pub struct FakeLlm {
    /// Calls and outage.
    pub switch: Switch,
    /// Run at the start of each call.
    pub hook: Mutex<Option<CallHook>>,
    /// Calls per task.
    pub by_task: Mutex<BTreeMap<String, u64>>,
}

impl std::fmt::Debug for FakeLlm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeLlm").field("switch", &self.switch).finish_non_exhaustive()
    }
}

fn field<'a>(prompt: &'a str, name: &str) -> &'a str {
    prompt.lines().find_map(|l| l.strip_prefix(name)).map_or("topic", str::trim)
}

impl FakeLlm {
    /// Calls of one task so far.
    pub fn task_calls(&self, task: &str) -> u64 {
        self.by_task.lock().map(|m| m.get(task).copied().unwrap_or(0)).unwrap_or(0)
    }

    fn answer(request: &CompletionRequest) -> String {
        let prompt = request.messages.last().map(|m| m.content.as_str()).unwrap_or("");
        match request.task.as_str() {
            "icp" => json!({
                "segments": [{ "name": "Small sales teams", "description": "B2B teams of 2 to 20 sellers" }],
                "pains": ["leads fall through the cracks", "manual pipeline updates"],
                "goals": ["close more deals", "forecast revenue"],
                "vocabulary": ["crm", "pipeline", "sales", "leads", "email"]
            })
            .to_string(),
            "subtopics" => {
                let k = field(prompt, "Keyword:");
                json!({ "subtopics": [format!("what {k} does"), format!("{k} costs"), format!("choosing {k}"), format!("{k} mistakes")] })
                    .to_string()
            }
            "outline" => {
                let k = field(prompt, "Keyword:");
                json!({
                    "title": format!("The complete guide to {k}"),
                    "sections": [
                        { "heading": format!("What {k} is"), "research_query": format!("{k} definition") },
                        { "heading": format!("How to choose {k}"), "research_query": format!("{k} buying guide") },
                        { "heading": format!("Common {k} mistakes"), "research_query": format!("{k} mistakes") }
                    ]
                })
                .to_string()
            }
            _ => {
                let k = field(prompt, "Focus keyword:");
                let n = prompt.lines().filter(|l| l.starts_with('[')).count();
                let cite = |i: usize| if n >= i { format!(" [{i}]") } else { String::new() };
                format!(
                    "<p>Teams that use {k} well keep every conversation in one place and review it every week, which is what the research shows{}.</p>\n<p>The second point is cost: compare plans by the work they remove, not by the number of features listed on the page{}. A short trial with real data from the last month shows quickly whether people will keep using a tool, and it costs little to run.</p>\n<p>Finally, agree on a few simple rules for naming, ownership and review dates, because habits decide whether a new tool sticks after the first enthusiastic weeks.</p>",
                    cite(1),
                    cite(2)
                )
            }
        }
    }
}

fn tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

#[async_trait]
impl LanguageModel for FakeLlm {
    fn model_name(&self) -> &str {
        "fake-llm-1"
    }
    fn estimate(&self, request: &CompletionRequest) -> Usd {
        let prompt: u64 = request.messages.iter().map(|m| tokens(&m.content)).sum();
        let out = u64::from(request.max_tokens.unwrap_or(1_000)).max(400);
        Usd::from_micros(i64::try_from((prompt + out) * LLM_TOKEN_COST_MICROS as u64).unwrap_or(i64::MAX))
    }
    async fn complete(&self, request: &CompletionRequest) -> Result<Metered<Completion>, ProviderError> {
        let hook = self.hook.lock().ok().and_then(|h| h.clone());
        if let Some(hook) = hook {
            hook(request.task.clone()).await;
        }
        if let Ok(mut m) = self.by_task.lock() {
            *m.entry(request.task.clone()).or_default() += 1;
        }
        self.switch.enter("fake-llm")?;
        let content = Self::answer(request);
        let json = match request.response_format {
            ResponseFormat::Text => None,
            _ => serde_json::from_str(&content).ok(),
        };
        let prompt_tokens: u64 = request.messages.iter().map(|m| tokens(&m.content)).sum();
        let completion_tokens = tokens(&content);
        let cost = Usd::from_micros(
            i64::try_from((prompt_tokens + completion_tokens) * LLM_TOKEN_COST_MICROS as u64)
                .unwrap_or(i64::MAX),
        );
        let usage = ProviderUsage { cost, requests: 1, prompt_tokens, completion_tokens, items: 1 };
        Ok(Metered::new(
            Completion { content, json, model: "fake-llm-1".into(), finish_reason: Some("stop".into()) },
            usage,
        ))
    }
}

/// The lexical hashing embedder (64 dimensions).
#[derive(Debug, Default)]
pub struct FakeEmbedder {
    /// Calls and outage.
    pub switch: Switch,
}

#[async_trait]
impl Embedder for FakeEmbedder {
    fn model_name(&self) -> &str {
        "fake-hash-64"
    }
    fn dimensions(&self) -> Option<usize> {
        Some(64)
    }
    fn estimate(&self, texts: &[String]) -> Usd {
        EMBED_TEXT_COST.times(i64::try_from(texts.len()).unwrap_or(i64::MAX))
    }
    async fn embed(&self, texts: &[String]) -> Result<Metered<Vec<Vec<f32>>>, ProviderError> {
        self.switch.enter("fake-embedder")?;
        let out: Vec<Vec<f32>> = texts.iter().map(|t| hash_embed(t, 64)).collect();
        let n = i64::try_from(texts.len()).unwrap_or(i64::MAX);
        Ok(paid(out, EMBED_TEXT_COST.times(n), n as u64))
    }
}

/// An in-memory publisher keyed by idempotency key.
#[derive(Debug, Default)]
pub struct FakePublisher {
    /// Calls and outage.
    pub switch: Switch,
    /// Posts by idempotency key.
    pub posts: Mutex<BTreeMap<String, (PublishedPost, PostDraft)>>,
    /// Posts created (a duplicate would show here).
    pub creates: AtomicU64,
    /// When set, the next create stores the post and then fails (the answer is lost).
    pub lose_next_answer: AtomicBool,
}

impl FakePublisher {
    /// The posts, by idempotency key.
    pub fn posts(&self) -> BTreeMap<String, (PublishedPost, PostDraft)> {
        self.posts.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Publisher for FakePublisher {
    fn platform(&self) -> &str {
        "fake-blog"
    }
    async fn find_post(&self, idempotency_key: &str) -> Result<Option<PublishedPost>, ProviderError> {
        self.switch.enter("fake-blog")?;
        Ok(self.posts.lock().ok().and_then(|p| p.get(idempotency_key).map(|(post, _)| post.clone())))
    }
    async fn create_post(&self, draft: &PostDraft) -> Result<Metered<PublishedPost>, ProviderError> {
        self.switch.enter("fake-blog")?;
        let n = self.creates.fetch_add(1, Ordering::SeqCst) + 1;
        let post = PublishedPost {
            remote_id: (1_000 + n).to_string(),
            url: format!("https://blog.example/{}", draft.slug),
            status: "draft".into(),
        };
        if let Ok(mut posts) = self.posts.lock() {
            posts.insert(draft.idempotency_key.clone(), (post.clone(), draft.clone()));
        }
        if self.lose_next_answer.swap(false, Ordering::SeqCst) {
            return Err(ProviderError::Timeout { provider: "fake-blog".into() });
        }
        Ok(Metered::free(post))
    }
    async fn update_post(
        &self,
        remote_id: &str,
        draft: &PostDraft,
    ) -> Result<Metered<PublishedPost>, ProviderError> {
        self.switch.enter("fake-blog")?;
        let mut posts = self.posts.lock().map_err(|_| ProviderError::unavailable("fake-blog", "poisoned"))?;
        let entry = posts.values_mut().find(|(p, _)| p.remote_id == remote_id).ok_or_else(|| {
            ProviderError::NotFound { provider: "fake-blog".into(), message: remote_id.into() }
        })?;
        entry.1 = draft.clone();
        Ok(Metered::free(entry.0.clone()))
    }
}

/// All the fakes (the SERP one included, which only SERP-overlap clustering calls).
#[derive(Debug, Clone, Default)]
pub struct FakeProviders {
    /// Keyword research.
    pub keywords: Arc<FakeKeywords>,
    /// SERP top URLs.
    pub serp: Arc<FakeSerp>,
    /// Web research.
    pub web: Arc<FakeWeb>,
    /// Language model.
    pub llm: Arc<FakeLlm>,
    /// Embedder.
    pub embedder: Arc<FakeEmbedder>,
    /// Publisher.
    pub publisher: Arc<FakePublisher>,
}

impl FakeProviders {
    /// Fresh fakes.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// As the engine's [`Providers`].
    #[must_use]
    pub fn providers(&self) -> Providers {
        Providers {
            keywords: self.keywords.clone(),
            serp: Some(self.serp.clone()),
            web: self.web.clone(),
            llm: self.llm.clone(),
            embedder: self.embedder.clone(),
            publisher: self.publisher.clone(),
        }
    }

    /// Total provider calls.
    #[must_use]
    pub fn total_calls(&self) -> u64 {
        self.keywords.switch.calls()
            + self.serp.switch.calls()
            + self.web.switch.calls()
            + self.llm.switch.calls()
            + self.embedder.switch.calls()
            + self.publisher.switch.calls()
    }
}
