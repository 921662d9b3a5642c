//! A deterministic keyword source: keyword research and SERP top URLs for any domain or seed,
//! generated from the input's words and a topic vocabulary (the business's own topics, or a
//! built-in generic one), optionally overridden by a JSON fixture file.

use super::determinism::{SeededRng, hash_str, stable_hash};
use super::keyword_vocabulary::{DOMAIN_PATTERNS, MODIFIERS, SITES, SUGGESTION_TEMPLATES, VOCABULARY};
use super::pricing::OfflinePrices;
use super::text::{content_words, slugify};
use super::topics::{DEFAULT_MAX_TOPICS, topic_phrases};
use crate::config::ConfigError;
use async_trait::async_trait;
use infin8_core::Usd;
use infin8_core::keyword::{CompetitionLevel, KeywordMetrics, SearchIntent};
use infin8_core::provider::{
    DomainKeywordsRequest, KeywordIdea, KeywordMetricsRequest, KeywordResearch, Locale, Metered,
    ProviderError, ProviderUsage, SerpResearch, SuggestionsRequest,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The provider name recorded as the keyword source.
pub const FIXTURE_KEYWORDS_NAME: &str = "fixture-keywords";

/// Topics a domain ranks for.
const TOPICS_PER_DOMAIN: usize = 8;

/// Business topics every domain ranks for (the strongest ones, first in the list); the rest of
/// [`TOPICS_PER_DOMAIN`] are chosen per domain.
const LEAD_TOPICS: usize = 3;

/// Keywords, SERPs and metrics to serve instead of generated ones (the JSON fixture format).
///
/// ```json
/// {
///   "ranked": { "example.com": [ { "keyword": "crm software", "metrics": { "search_volume": 9900 },
///                                  "language": "en", "source": "fixture" } ] },
///   "suggestions": { "crm software": [ ... ] },
///   "metrics": { "crm software": { "search_volume": 9900, "difficulty": 61 } },
///   "serp": { "crm software": [ "https://a.example/crm" ] }
/// }
/// ```
///
/// Keys are matched case-insensitively; anything absent falls back to generated data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeywordFixture {
    /// Keywords per domain.
    pub ranked: BTreeMap<String, Vec<KeywordIdea>>,
    /// Suggestions per seed.
    pub suggestions: BTreeMap<String, Vec<KeywordIdea>>,
    /// Metrics per keyword.
    pub metrics: BTreeMap<String, KeywordMetrics>,
    /// Top URLs per keyword.
    pub serp: BTreeMap<String, Vec<String>>,
}

impl KeywordFixture {
    fn lower_keys(mut self) -> Self {
        fn lower<V>(m: BTreeMap<String, V>) -> BTreeMap<String, V> {
            m.into_iter().map(|(k, v)| (k.trim().to_lowercase(), v)).collect()
        }
        self.ranked = lower(self.ranked);
        self.suggestions = lower(self.suggestions);
        self.metrics = lower(self.metrics);
        self.serp = lower(self.serp);
        self
    }
}

/// An offline [`KeywordResearch`] and [`SerpResearch`]: deterministic, realistic-looking keyword
/// data for any domain or seed.
///
/// - `ranked_keywords("acme-crm.com")` mixes the domain's own words (`"acme software"`, …), a few
///   navigational brand keywords and eight topics (each also as `"best {topic}"` and
///   `"{topic} strategy"`). The topics come from the business: [`for_business`](Self::for_business)
///   extracts them from a business description with [`topic_phrases`](super::topic_phrases),
///   [`with_topics`](Self::with_topics) takes them as given; every domain then ranks for the
///   first three and five more chosen by the domain. Without business topics they are chosen from
///   a built-in generic vocabulary (`"crm software"`, `"email marketing"`, …).
/// - `keyword_suggestions("crm software")` returns up to 28 expansions (`"crm software for small
///   business"`, `"best crm software"`, `"how to choose crm software"`, …) including
///   near-duplicates, non-English and navigational ones, so that filtering has work to do.
/// - Metrics (volume, CPC, competition, difficulty, intent) are a pure function of the keyword.
/// - `top_urls` is a pure function of the keyword's words: keywords sharing words share URLs, so
///   SERP-overlap clustering groups related keywords.
/// - Cost: free by default; [`with_prices`](Self::with_prices) charges simulated list prices
///   ([`OfflinePrices::keyword_call`] per research call, [`OfflinePrices::serp`] per SERP), both in
///   the [`Metered`] usage and in `estimate`.
///
/// The data is made up. It is for demos and tests, never for decisions.
#[derive(Debug, Clone)]
pub struct FixtureKeywords {
    fixture: KeywordFixture,
    topics: Vec<String>,
    prices: OfflinePrices,
}

impl Default for FixtureKeywords {
    fn default() -> Self {
        Self::new()
    }
}

impl FixtureKeywords {
    /// Generated data only, generic topics, free.
    #[must_use]
    pub fn new() -> Self {
        Self { fixture: KeywordFixture::default(), topics: Vec::new(), prices: OfflinePrices::free() }
    }

    /// Generated data whose topics are those of a business description (see
    /// [`topic_phrases`](super::topic_phrases)); the generic vocabulary if it has none.
    ///
    /// ```
    /// use infin8_providers::offline::FixtureKeywords;
    /// let kw = FixtureKeywords::for_business("We make payroll software for restaurants.");
    /// assert_eq!(kw.topics()[0], "payroll software");
    /// ```
    #[must_use]
    pub fn for_business(description: &str) -> Self {
        Self::new().with_business(description)
    }

    /// Serves `fixture` where it has data, generated data elsewhere.
    #[must_use]
    pub fn with_fixture(fixture: KeywordFixture) -> Self {
        Self { fixture: fixture.lower_keys(), ..Self::new() }
    }

    /// Loads a [`KeywordFixture`] from a JSON file.
    ///
    /// # Errors
    /// [`ConfigError::Io`] if the file cannot be read, [`ConfigError::Invalid`] if it is not a
    /// fixture.
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::io(path, e))?;
        let fixture: KeywordFixture = serde_json::from_str(&text)
            .map_err(|e| ConfigError::invalid("keyword fixture", format!("{}: {e}", path.display())))?;
        Ok(Self::with_fixture(fixture))
    }

    /// Generates keywords about these topics (best first) instead of the generic vocabulary.
    /// Topics are trimmed, lower-cased and deduplicated; none left means the generic vocabulary.
    #[must_use]
    pub fn with_topics<S: AsRef<str>>(mut self, topics: impl IntoIterator<Item = S>) -> Self {
        let mut seen = BTreeSet::new();
        self.topics = topics
            .into_iter()
            .map(|t| t.as_ref().split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase())
            .filter(|t| !t.is_empty() && seen.insert(t.clone()))
            .collect();
        self
    }

    /// [`with_topics`](Self::with_topics) with the topics of a business description.
    #[must_use]
    pub fn with_business(self, description: &str) -> Self {
        self.with_topics(topic_phrases(description, DEFAULT_MAX_TOPICS))
    }

    /// Charges these simulated prices ([`OfflinePrices::free`] by default).
    #[must_use]
    pub fn with_prices(mut self, prices: OfflinePrices) -> Self {
        self.prices = prices;
        self
    }

    /// The business topics keywords are generated about (empty: the generic vocabulary).
    #[must_use]
    pub fn topics(&self) -> &[String] {
        &self.topics
    }

    /// The prices charged.
    #[must_use]
    pub fn prices(&self) -> OfflinePrices {
        self.prices
    }

    /// The topics `host` ranks for: the lead business topics plus others chosen by the host, or
    /// generic ones chosen by the host.
    fn domain_topics(&self, rng: &mut SeededRng) -> Vec<String> {
        let (lead, pool): (&[String], Vec<String>) = if self.topics.is_empty() {
            (&[], VOCABULARY.iter().map(|t| (*t).to_string()).collect())
        } else {
            let lead = self.topics.len().min(LEAD_TOPICS);
            (&self.topics[..lead], self.topics[lead..].to_vec())
        };
        let mut pool = pool;
        for i in (1..pool.len()).rev() {
            pool.swap(i, rng.index(i + 1));
        }
        lead.iter().cloned().chain(pool).take(TOPICS_PER_DOMAIN).collect()
    }

    fn generated_ranked(&self, domain: &str, limit: usize) -> Vec<KeywordIdea> {
        let host = domain.trim().trim_start_matches("www.").to_lowercase();
        let label = host.rsplit_once('.').map_or(host.as_str(), |(name, _tld)| name);
        let own = content_words(label);
        let brand = own.join(" ");
        let mut rng = SeededRng::new(hash_str(&host));
        let mut texts: Vec<(String, Option<SearchIntent>)> = Vec::new();
        for word in &own {
            for pattern in DOMAIN_PATTERNS {
                texts.push((pattern.replace("{w}", word), None));
            }
        }
        if !brand.is_empty() {
            texts.push((brand.clone(), Some(SearchIntent::Navigational)));
            texts.push((format!("{brand} login"), Some(SearchIntent::Navigational)));
            texts.push((format!("{brand} pricing"), Some(SearchIntent::Transactional)));
            texts.push((format!("{brand} reviews"), Some(SearchIntent::Commercial)));
        }
        for topic in self.domain_topics(&mut rng) {
            texts.push((topic.clone(), None));
            texts.push((format!("best {topic}"), Some(SearchIntent::Commercial)));
            texts.push((format!("{topic} strategy"), Some(SearchIntent::Informational)));
        }
        let mut seen = BTreeSet::new();
        let mut ideas: Vec<KeywordIdea> = texts
            .into_iter()
            .filter(|(t, _)| seen.insert(t.clone()))
            .map(|(text, intent)| {
                let mut metrics = generated_metrics(&text, intent);
                // Broad keywords are what a domain ranks for: scale volumes up.
                metrics.search_volume = metrics.search_volume.map(|v| v.saturating_mul(4));
                idea(text, metrics, "en", "fixture:ranked_keywords")
            })
            .collect();
        ideas.sort_by(|a, b| {
            b.metrics.search_volume.cmp(&a.metrics.search_volume).then(a.keyword.cmp(&b.keyword))
        });
        ideas.truncate(limit);
        ideas
    }

    fn generated_suggestions(seed: &str, limit: usize) -> Vec<KeywordIdea> {
        let seed = seed.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if seed.is_empty() {
            return Vec::new();
        }
        // Between 18 and all templates, chosen by the seed.
        let mut rng = SeededRng::new(hash_str(&seed));
        let count = 18 + rng.index(SUGGESTION_TEMPLATES.len() - 17);
        let mut templates: Vec<usize> = (0..SUGGESTION_TEMPLATES.len()).collect();
        // Drop a seed-dependent selection of the plain English templates (never the first three,
        // nor the near-duplicate, foreign and navigational ones that filtering must see).
        while templates.len() > count {
            let droppable: Vec<usize> =
                templates.iter().enumerate().filter(|(_, t)| (3..20).contains(*t)).map(|(i, _)| i).collect();
            match droppable.get(rng.index(droppable.len())) {
                Some(&i) => {
                    templates.remove(i);
                }
                None => break,
            }
        }
        templates
            .into_iter()
            .take(limit)
            .filter_map(|i| SUGGESTION_TEMPLATES.get(i))
            .map(|(template, intent, language)| {
                let text = template.replace("{seed}", &seed);
                let metrics = generated_metrics(&text, Some(*intent));
                idea(text, metrics, language, "fixture:keyword_suggestions")
            })
            .collect()
    }

    fn metrics_for(&self, keyword: &str) -> KeywordMetrics {
        let key = keyword.trim().to_lowercase();
        match self.fixture.metrics.get(&key) {
            Some(m) => m.clone(),
            None => {
                let mut m = generated_metrics(&key, None);
                m.serp_urls = self.urls_for(&key, 10);
                m
            }
        }
    }

    fn urls_for(&self, keyword: &str, depth: usize) -> Vec<String> {
        let key = keyword.trim().to_lowercase();
        match self.fixture.serp.get(&key) {
            Some(urls) => urls.iter().take(depth).cloned().collect(),
            None => generated_top_urls(&key, depth),
        }
    }
}

fn idea(keyword: String, metrics: KeywordMetrics, language: &str, source: &str) -> KeywordIdea {
    KeywordIdea { keyword, metrics, language: Some(language.to_string()), source: source.to_string() }
}

/// The intent a keyword's words suggest.
fn guess_intent(words: &[String], rng: &mut SeededRng) -> SearchIntent {
    let has = |w: &str| words.iter().any(|x| x == w);
    if has("login") || has("download") {
        SearchIntent::Navigational
    } else if has("buy") || has("pricing") || has("price") || has("free") || has("cheap") {
        SearchIntent::Transactional
    } else if has("best") || has("reviews") || has("vs") || has("alternatives") || has("comparison") {
        SearchIntent::Commercial
    } else if has("how") || has("what") || has("guide") || has("tips") || has("examples") {
        SearchIntent::Informational
    } else if rng.below(3) == 0 {
        SearchIntent::Commercial
    } else {
        SearchIntent::Informational
    }
}

/// Metrics that are a pure function of the keyword's text: longer keywords get lower volumes.
fn generated_metrics(keyword: &str, intent: Option<SearchIntent>) -> KeywordMetrics {
    let norm = keyword.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let words: Vec<String> = norm.split(' ').map(str::to_string).collect();
    let mut rng = SeededRng::new(stable_hash(&[b"metrics", norm.as_bytes()]));
    let n = i32::try_from(words.len().clamp(1, 8)).unwrap_or(8);
    let ceiling = 40_000_i64 / (i64::from(n) * i64::from(n));
    let volume = rng.between(10, ceiling.max(20));
    // Round like keyword tools do (10, 20, …, 90, 110, 140, 170, 210, …).
    let volume = if volume > 100 { volume / 10 * 10 } else { volume };
    let competition_index = i32::try_from(rng.between(2, 98)).unwrap_or(50);
    let competition_level = match competition_index {
        0..=33 => CompetitionLevel::Low,
        34..=66 => CompetitionLevel::Medium,
        _ => CompetitionLevel::High,
    };
    let difficulty = i32::try_from(rng.between(5, 95) / i64::from(n.min(3))).unwrap_or(30).max(3);
    let cpc = ((rng.unit() * 24.0 + 0.2) * 100.0).round() / 100.0;
    let intent = intent.unwrap_or_else(|| guess_intent(&words, &mut rng));
    KeywordMetrics {
        search_volume: Some(volume),
        competition_level: Some(competition_level),
        competition_index: Some(competition_index),
        cpc: Some(cpc),
        difficulty: Some(difficulty),
        intent: Some(intent),
        serp_urls: Vec::new(),
    }
}

/// Top URLs as a pure function of the keyword's topic words: every topic word owns a pool of
/// pages, ranked by a hash of the URL alone, so keywords sharing words share (and order alike)
/// most of their URLs. One page specific to the whole keyword leads.
pub(crate) fn generated_top_urls(keyword: &str, depth: usize) -> Vec<String> {
    let mut topic: Vec<String> =
        content_words(keyword).into_iter().filter(|w| !MODIFIERS.contains(&w.as_str())).collect();
    topic.sort();
    topic.dedup();
    let mut pool: BTreeSet<(u64, String)> = BTreeSet::new();
    for word in &topic {
        let mut rng = SeededRng::new(stable_hash(&[b"serp", word.as_bytes()]));
        for i in 0..6 {
            let site = SITES.get(rng.index(SITES.len())).copied().unwrap_or("www.example.com");
            let section = ["guides", "blog", "reviews", "learn", "resources", "articles"]
                .get(i)
                .copied()
                .unwrap_or("pages");
            let url = format!("https://{site}/{section}/{}", slugify(word));
            pool.insert((hash_str(&url), url));
        }
    }
    let lead_site = SITES.get(SeededRng::new(hash_str(keyword)).index(SITES.len()));
    let mut urls = Vec::with_capacity(depth);
    if !keyword.trim().is_empty() {
        urls.push(format!(
            "https://{}/{}",
            lead_site.copied().unwrap_or("www.example.com"),
            slugify(keyword)
        ));
    }
    urls.extend(pool.into_iter().map(|(_, url)| url));
    urls.dedup();
    urls.truncate(depth);
    urls
}

#[async_trait]
impl KeywordResearch for FixtureKeywords {
    fn name(&self) -> &str {
        FIXTURE_KEYWORDS_NAME
    }

    /// One research call at [`OfflinePrices::keyword_call`].
    fn estimate(&self) -> Usd {
        self.prices.keyword_call
    }

    async fn ranked_keywords(
        &self,
        request: &DomainKeywordsRequest,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError> {
        let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
        let key = request.domain.trim().to_lowercase();
        let mut ideas = match self.fixture.ranked.get(&key) {
            Some(ideas) => ideas.iter().take(limit).cloned().collect(),
            None => self.generated_ranked(&key, limit),
        };
        for idea in &mut ideas {
            if idea.metrics.serp_urls.is_empty() {
                idea.metrics.serp_urls = self.urls_for(&idea.keyword, 10);
            }
        }
        Ok(self.research_call(ideas))
    }

    async fn keyword_suggestions(
        &self,
        request: &SuggestionsRequest,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError> {
        let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
        let key = request.seed.trim().to_lowercase();
        let mut ideas = match self.fixture.suggestions.get(&key) {
            Some(ideas) => ideas.iter().take(limit).cloned().collect(),
            None => Self::generated_suggestions(&key, limit),
        };
        for idea in &mut ideas {
            if idea.metrics.serp_urls.is_empty() {
                idea.metrics.serp_urls = self.urls_for(&idea.keyword, 10);
            }
        }
        Ok(self.research_call(ideas))
    }

    async fn keyword_metrics(
        &self,
        request: &KeywordMetricsRequest,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError> {
        let ideas = request
            .keywords
            .iter()
            .filter(|k| !k.trim().is_empty())
            .map(|k| idea(k.clone(), self.metrics_for(k), "en", "fixture:keyword_metrics"))
            .collect();
        Ok(self.research_call(ideas))
    }
}

#[async_trait]
impl SerpResearch for FixtureKeywords {
    fn name(&self) -> &str {
        FIXTURE_KEYWORDS_NAME
    }

    /// The default depth of 10 results at [`OfflinePrices::serp`].
    fn estimate(&self) -> Usd {
        self.prices.serp(10)
    }

    async fn top_urls(
        &self,
        keyword: &str,
        _locale: &Locale,
        depth: u32,
    ) -> Result<Metered<Vec<String>>, ProviderError> {
        let urls = self.urls_for(keyword, usize::try_from(depth).unwrap_or(usize::MAX));
        Ok(priced(urls, self.prices.serp(depth)))
    }
}

impl FixtureKeywords {
    /// Items of one keyword research call, at its price.
    fn research_call<T>(&self, items: Vec<T>) -> Metered<Vec<T>> {
        priced(items, self.prices.keyword_call)
    }
}

/// Items of one simulated call costing `cost` (no HTTP request is made).
fn priced<T>(items: Vec<T>, cost: Usd) -> Metered<Vec<T>> {
    let usage = ProviderUsage { cost, items: items.len() as u64, ..ProviderUsage::default() };
    Metered::new(items, usage)
}
