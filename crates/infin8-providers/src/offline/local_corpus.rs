//! Web research over a local folder of text and Markdown documents, ranked with BM25.

use super::builtin_corpus::BUILTIN_DOCUMENTS;
use super::pricing::OfflinePrices;
use super::text::{content_words, words};
use crate::config::ConfigError;
use async_trait::async_trait;
use infin8_core::Usd;
use infin8_core::article::Source;
use infin8_core::provider::{Metered, ProviderError, ProviderUsage, WebResearch, WebSearchRequest};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The provider name recorded in the research cache.
pub const LOCAL_CORPUS_NAME: &str = "local-corpus";

/// Where the built-in documents claim to live (a reserved, never-resolving domain).
pub const BUILTIN_CORPUS_BASE_URL: &str = "https://corpus.infin8.invalid/";

/// BM25 term-frequency saturation.
const K1: f64 = 1.2;
/// BM25 length normalization.
const B: f64 = 0.75;
/// Most words in a returned excerpt (whole sentences; a longer single sentence is cut).
const EXCERPT_WORDS: usize = 120;

#[derive(Debug, Clone)]
struct Document {
    url: String,
    title: String,
    body: String,
    term_counts: HashMap<String, u32>,
    length: usize,
}

/// An offline [`WebResearch`]: BM25 search over a folder of `.txt` and `.md` files (or a built-in
/// few dozen short documents on business, marketing and product analytics), returning each hit as a [`Source`] whose
/// content is the best-matching excerpt and whose score is in `0..=1`.
///
/// URLs are `file://` URLs of the documents, or a configured base URL joined with the file's
/// relative path. `include_domains`/`exclude_domains` apply to the URLs' hosts (a `file://` URL
/// has none, so include filters exclude it). Free by default, or charged per search at simulated
/// prices ([`with_prices`](Self::with_prices): one credit for a basic search, two for an advanced
/// one, like Tavily).
#[derive(Debug, Clone)]
pub struct LocalCorpus {
    documents: Vec<Document>,
    document_frequency: HashMap<String, u32>,
    average_length: f64,
    prices: OfflinePrices,
}

impl Default for LocalCorpus {
    fn default() -> Self {
        Self::builtin()
    }
}

impl LocalCorpus {
    /// The built-in corpus (34 documents, URLs under [`BUILTIN_CORPUS_BASE_URL`]).
    #[must_use]
    pub fn builtin() -> Self {
        let docs = BUILTIN_DOCUMENTS
            .iter()
            .map(|(slug, title, body)| {
                ((*title).to_string(), (*body).to_string(), format!("{BUILTIN_CORPUS_BASE_URL}{slug}"))
            })
            .collect();
        Self::from_documents(docs)
    }

    /// Indexes every `.txt` and `.md` file under `dir` (recursively). Each document's URL is its
    /// `file://` URL, or `base_url` joined with its path relative to `dir` when given. The title
    /// is the first Markdown heading or first non-empty line. Reads the folder synchronously,
    /// once.
    ///
    /// # Errors
    /// [`ConfigError::Io`] if the folder cannot be read; [`ConfigError::Invalid`] if it holds no
    /// document or `base_url` is not a URL.
    pub fn from_dir(dir: impl AsRef<Path>, base_url: Option<&str>) -> Result<Self, ConfigError> {
        let dir = dir.as_ref();
        let root = dir.canonicalize().map_err(|e| ConfigError::io(dir, e))?;
        let base = match base_url {
            Some(b) => {
                let with_slash = if b.ends_with('/') { b.to_string() } else { format!("{b}/") };
                Some(
                    url::Url::parse(&with_slash)
                        .map_err(|e| ConfigError::invalid("corpus base url", e.to_string()))?,
                )
            }
            None => None,
        };
        let mut files = Vec::new();
        collect_files(&root, &mut files)?;
        files.sort();
        let mut docs = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::io(&path, e))?;
            let relative = path.strip_prefix(&root).unwrap_or(&path);
            let url = match &base {
                Some(base) => {
                    let rel = relative
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/");
                    base.join(&rel).map(String::from).unwrap_or_else(|_| format!("{base}{rel}"))
                }
                None => url::Url::from_file_path(&path)
                    .map(String::from)
                    .unwrap_or_else(|()| format!("file://{}", path.display())),
            };
            let title = title_of(&text).unwrap_or_else(|| {
                path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
            });
            docs.push((title, text, url));
        }
        if docs.is_empty() {
            return Err(ConfigError::invalid(
                "corpus folder",
                format!("{} holds no .txt or .md file", root.display()),
            ));
        }
        Ok(Self::from_documents(docs))
    }

    /// Charges each search at these simulated prices ([`OfflinePrices::web_search`]; free by
    /// default).
    #[must_use]
    pub fn with_prices(mut self, prices: OfflinePrices) -> Self {
        self.prices = prices;
        self
    }

    /// The number of documents indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    /// Whether no document is indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    fn from_documents(docs: Vec<(String, String, String)>) -> Self {
        let mut document_frequency: HashMap<String, u32> = HashMap::new();
        let documents: Vec<Document> = docs
            .into_iter()
            .map(|(title, body, url)| {
                let mut term_counts: HashMap<String, u32> = HashMap::new();
                let terms = content_words(&format!("{title} {body}"));
                for term in &terms {
                    *term_counts.entry(term.clone()).or_default() += 1;
                }
                for term in term_counts.keys() {
                    *document_frequency.entry(term.clone()).or_default() += 1;
                }
                Document { url, title, body, length: terms.len(), term_counts }
            })
            .collect();
        let total: usize = documents.iter().map(|d| d.length).sum();
        let average_length = if documents.is_empty() { 1.0 } else { total as f64 / documents.len() as f64 };
        Self {
            documents,
            document_frequency,
            average_length: average_length.max(1.0),
            prices: OfflinePrices::free(),
        }
    }

    fn bm25(&self, doc: &Document, query: &[String]) -> f64 {
        let n = self.documents.len() as f64;
        query
            .iter()
            .map(|term| {
                let tf = f64::from(doc.term_counts.get(term).copied().unwrap_or(0));
                if tf == 0.0 {
                    return 0.0;
                }
                let df = f64::from(self.document_frequency.get(term).copied().unwrap_or(0));
                let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                let norm = K1 * (1.0 - B + B * doc.length as f64 / self.average_length);
                idf * tf * (K1 + 1.0) / (tf + norm)
            })
            .sum()
    }

    /// The ranked hits for a request, without metering.
    fn rank(&self, request: &WebSearchRequest) -> Vec<Source> {
        let mut query = content_words(&request.query);
        query.sort();
        query.dedup();
        let mut scored: Vec<(f64, &Document)> = self
            .documents
            .iter()
            .filter(|d| domain_allowed(&d.url, &request.include_domains, &request.exclude_domains))
            .map(|d| (self.bm25(d, &query), d))
            .filter(|(s, _)| *s > 0.0)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.url.cmp(&b.1.url)));
        let max = usize::try_from(request.max_results).unwrap_or(usize::MAX);
        scored
            .into_iter()
            .take(max)
            .map(|(score, doc)| Source {
                url: doc.url.clone(),
                title: doc.title.clone(),
                content: if request.include_raw_content {
                    doc.body.clone()
                } else {
                    excerpt(&doc.body, &query)
                },
                // Map the unbounded BM25 score into 0..1, monotonically.
                score: score / (score + 1.0),
            })
            .collect()
    }
}

#[async_trait]
impl WebResearch for LocalCorpus {
    fn name(&self) -> &str {
        LOCAL_CORPUS_NAME
    }

    /// The credits of the requested depth at the simulated price.
    fn estimate(&self, request: &WebSearchRequest) -> Usd {
        self.prices.web_search(request.depth)
    }

    async fn search(&self, request: &WebSearchRequest) -> Result<Metered<Vec<Source>>, ProviderError> {
        if request.query.trim().is_empty() {
            return Err(ProviderError::invalid_request(LOCAL_CORPUS_NAME, "empty query"));
        }
        let sources = self.rank(request);
        let usage = ProviderUsage {
            cost: self.prices.web_search(request.depth),
            items: sources.len() as u64,
            ..ProviderUsage::default()
        };
        Ok(Metered::new(sources, usage))
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ConfigError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ConfigError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ConfigError::io(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| ConfigError::io(&path, e))?;
        if kind.is_dir() {
            collect_files(&path, out)?;
        } else if kind.is_file()
            && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("md"))
        {
            out.push(path);
        }
    }
    Ok(())
}

fn title_of(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.trim_start_matches('#').trim().to_string())
        .filter(|l| !l.is_empty())
}

fn host_matches(host: &str, domain: &str) -> bool {
    let domain = domain.trim().trim_start_matches("www.").to_lowercase();
    let host = host.to_lowercase();
    !domain.is_empty() && (host == domain || host.ends_with(&format!(".{domain}")))
}

fn domain_allowed(url: &str, include: &[String], exclude: &[String]) -> bool {
    let host = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_string));
    match host {
        Some(host) => {
            (include.is_empty() || include.iter().any(|d| host_matches(&host, d)))
                && !exclude.iter().any(|d| host_matches(&host, d))
        }
        None => include.is_empty(),
    }
}

/// The run of whole sentences of `body`, at most [`EXCERPT_WORDS`] words, holding the most query
/// terms (the earliest such run on ties); `…` marks text left out before or after it.
fn excerpt(body: &str, query: &[String]) -> String {
    let tokens: Vec<&str> = body.split_whitespace().collect();
    if tokens.len() <= EXCERPT_WORDS {
        return tokens.join(" ");
    }
    // Sentences as token ranges: a token ending in . ! ? closes one.
    let mut sentences: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.ends_with(['.', '!', '?']) || i + 1 == tokens.len() {
            sentences.push((start, i + 1));
            start = i + 1;
        }
    }
    let hit = |t: &str| words(t).iter().any(|w| query.contains(w));
    let hits: Vec<usize> =
        sentences.iter().map(|(a, b)| tokens[*a..*b].iter().filter(|t| hit(t)).count()).collect();
    let (mut best, mut best_range) = (0, (0, 0));
    for first in 0..sentences.len() {
        let mut score = 0;
        let mut last = first;
        while last < sentences.len() && sentences[last].1 - sentences[first].0 <= EXCERPT_WORDS {
            score += hits[last];
            last += 1;
        }
        if last > first && (score > best || best_range == (0, 0)) {
            best = score;
            best_range = (first, last);
        }
    }
    let (first, last) = best_range;
    let (from, to) = if last > first {
        (sentences[first].0, sentences[last - 1].1)
    } else {
        // One sentence longer than the limit: its start, cut.
        (sentences[first].0, sentences[first].0 + EXCERPT_WORDS)
    };
    let mut text = tokens[from..to].join(" ");
    if from > 0 {
        text.insert_str(0, "… ");
    }
    if to < tokens.len() {
        text.push_str(" …");
    }
    text
}
