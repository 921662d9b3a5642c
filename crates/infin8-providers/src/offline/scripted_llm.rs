//! A scripted stand-in for a language model: deterministic, offline, structurally valid.

use super::determinism::{SeededRng, stable_hash};
use super::pricing::{ESTIMATE_MAX_TOKENS, OfflinePrices, chars_to_tokens};
use super::schema_walker::SchemaWalker;
use super::text::{capitalize, content_words, escape_html, truncate_chars};
use crate::json_schema::validate;
use async_trait::async_trait;
use infin8_core::Usd;
use infin8_core::provider::{
    ChatRole, Completion, CompletionRequest, LanguageModel, Metered, ProviderError, ProviderUsage,
    ResponseFormat,
};
use serde_json::{Value, json};

/// The default model name, recorded in article provenance so nobody mistakes its output.
pub const SCRIPTED_MODEL_NAME: &str = "scripted-offline";

/// A **stand-in** [`LanguageModel`]: no model, no network. It answers every prompt with output of
/// the requested *shape*, built from the prompt's own words, so pipelines, examples and tests run
/// end to end. The prose is filler, not writing; never publish it.
///
/// - [`ResponseFormat::JsonSchema`]: a JSON value valid against the given schema, produced by
///   walking it (`object` → every property, required ones included; `array` → `minItems` to
///   `maxItems` (or `minItems + 2`) items; `string` → words of the prompt, within
///   `minLength`/`maxLength`, honouring common `format`s; `integer`/`number` within bounds;
///   `enum` → its first value; `const`, `anyOf`/`oneOf` (first option), `allOf`, local `$ref`).
///   `pattern` is not honoured. The answer is checked with [`crate::json_schema::validate`].
/// - Known tasks get nicer content: `"subtopics"` → distinct phrases containing the keyword;
///   `"outline"` → section headings; `"section"` → HTML paragraphs.
/// - [`ResponseFormat::Text`] with task `"section"`: 120–250 words of `<p>…</p>` paragraphs that
///   cite the numbered sources listed in the prompt (`[1]`, `[2]`, …): only numbers that appear
///   in the prompt as `[n]` are cited. [`ResponseFormat::Json`] with task `"section"` wraps the
///   same HTML as `{"content_html": "…"}`; other tasks get `{"text": "…"}` or a plain sentence.
/// - The keyword is taken from a `keyword: …` (or `topic: …`) line of the prompt, else the first
///   double-quoted phrase, else the first content words.
/// - Deterministic: the same request always gives the same answer (seeded by a hash of it).
/// - Usage: tokens estimated as characters / 4; cost zero by default, or those tokens at
///   simulated prices ([`with_prices`](Self::with_prices)), estimated beforehand like the
///   OpenAI client does (prompt characters / 4 plus `max_tokens`, else 4,096).
#[derive(Debug, Clone)]
pub struct ScriptedLanguageModel {
    name: String,
    prices: OfflinePrices,
}

impl Default for ScriptedLanguageModel {
    fn default() -> Self {
        Self::new()
    }
}

impl ScriptedLanguageModel {
    /// The scripted model, named [`SCRIPTED_MODEL_NAME`].
    #[must_use]
    pub fn new() -> Self {
        Self { name: SCRIPTED_MODEL_NAME.to_string(), prices: OfflinePrices::free() }
    }

    /// Charges tokens at these simulated prices ([`OfflinePrices::llm`]; free by default).
    #[must_use]
    pub fn with_prices(mut self, prices: OfflinePrices) -> Self {
        self.prices = prices;
        self
    }

    /// The answer to a request, without metering.
    fn answer(&self, request: &CompletionRequest) -> Result<(String, Option<Value>), ProviderError> {
        let prompt = prompt_text(request);
        let mut rng = SeededRng::new(request_seed(request));
        let context = Context::new(&prompt, &request.task);
        match &request.response_format {
            ResponseFormat::JsonSchema { schema, .. } => {
                let mut walker = SchemaWalker { root: schema, rng: &mut rng, context: &context };
                let value = walker.generate(schema, "", None, 0);
                if let Err(errors) = validate(schema, &value) {
                    return Err(ProviderError::Decode {
                        provider: SCRIPTED_MODEL_NAME.to_string(),
                        message: format!(
                            "the schema uses features the scripted model cannot satisfy: {}",
                            errors.join("; ")
                        ),
                        excerpt: truncate_chars(&value.to_string(), 300),
                    });
                }
                Ok((value.to_string(), Some(value)))
            }
            ResponseFormat::Json => {
                let value = if request.task == "section" {
                    json!({ "content_html": section_html(&prompt, &context, &mut rng) })
                } else {
                    json!({ "text": context.sentence(&mut rng, 12) })
                };
                Ok((value.to_string(), Some(value)))
            }
            ResponseFormat::Text => {
                let text = if request.task == "section" {
                    section_html(&prompt, &context, &mut rng)
                } else {
                    context.sentence(&mut rng, 24)
                };
                Ok((text, None))
            }
        }
    }
}

#[async_trait]
impl LanguageModel for ScriptedLanguageModel {
    fn model_name(&self) -> &str {
        &self.name
    }

    /// Prompt characters / 4 plus `max_tokens` (else 4,096) at the simulated price.
    fn estimate(&self, request: &CompletionRequest) -> Usd {
        let prompt_chars: usize = request.messages.iter().map(|m| m.content.chars().count()).sum();
        let completion = u64::from(request.max_tokens.unwrap_or(ESTIMATE_MAX_TOKENS));
        self.prices.llm_tokens(chars_to_tokens(prompt_chars), completion)
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Metered<Completion>, ProviderError> {
        let (content, json) = self.answer(request)?;
        let prompt_chars: usize = request.messages.iter().map(|m| m.content.chars().count()).sum();
        let prompt_tokens = chars_to_tokens(prompt_chars);
        let completion_tokens = chars_to_tokens(content.chars().count());
        let usage = ProviderUsage {
            cost: self.prices.llm_tokens(prompt_tokens, completion_tokens),
            prompt_tokens,
            completion_tokens,
            items: 1,
            ..ProviderUsage::default()
        };
        let completion =
            Completion { content, json, model: self.name.clone(), finish_reason: Some("stop".to_string()) };
        Ok(Metered::new(completion, usage))
    }
}

fn request_seed(request: &CompletionRequest) -> u64 {
    let format = serde_json::to_string(&request.response_format).unwrap_or_default();
    let mut parts: Vec<&[u8]> = vec![request.task.as_bytes(), format.as_bytes()];
    for m in &request.messages {
        parts.push(match m.role {
            ChatRole::System => b"s",
            ChatRole::User => b"u",
            ChatRole::Assistant => b"a",
        });
        parts.push(m.content.as_bytes());
    }
    stable_hash(&parts)
}

/// The user messages (or every message if there is none), joined.
fn prompt_text(request: &CompletionRequest) -> String {
    let user: Vec<&str> =
        request.messages.iter().filter(|m| m.role == ChatRole::User).map(|m| m.content.as_str()).collect();
    if user.is_empty() {
        request.messages.iter().map(|m| m.content.as_str()).collect::<Vec<_>>().join("\n")
    } else {
        user.join("\n")
    }
}

/// What the answer is made of: the prompt's keyword and words.
pub(super) struct Context {
    pub(super) keyword: String,
    pub(super) words: Vec<String>,
    pub(super) task: String,
    /// Audiences listed on a `Target audiences: a, b` line, if any.
    audiences: Vec<String>,
}

impl Context {
    fn new(prompt: &str, task: &str) -> Self {
        let mut words = Vec::new();
        for w in content_words(prompt) {
            if w.chars().all(char::is_alphabetic) && !words.contains(&w) {
                words.push(w);
            }
        }
        if words.is_empty() {
            words = ["business", "customers", "growth", "planning", "results"].map(str::to_string).to_vec();
        }
        let keyword = find_keyword(prompt)
            .unwrap_or_else(|| words.iter().take(3).cloned().collect::<Vec<_>>().join(" "));
        let audiences = prompt
            .lines()
            .find_map(|l| {
                let lower = l.trim().to_lowercase();
                lower
                    .starts_with("target audiences:")
                    .then(|| l.trim().get("target audiences:".len()..).unwrap_or(""))
            })
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty() && *a != "-")
                    .map(capitalize)
                    .collect()
            })
            .unwrap_or_default();
        Self { keyword, words, task: task.to_string(), audiences }
    }

    /// An ICP field's `index`-th value, by the field's name.
    pub(super) fn icp_value(&self, name: &str, index: usize) -> Option<String> {
        let w = |i: usize| self.words.get(i % self.words.len().max(1)).map_or("business", String::as_str);
        let text = if name == "name" {
            match self.audiences.get(index % self.audiences.len().max(1)) {
                Some(audience) if index < self.audiences.len() => audience.clone(),
                _ => format!("{} teams", capitalize(w(index))),
            }
        } else if ["vocabulary", "terms", "keywords", "phrases"].iter().any(|k| name.contains(k)) {
            if index < self.words.len() {
                w(index).to_string()
            } else {
                format!("{} {}", w(index), w(index + 1))
            }
        } else if name.contains("pain") || name.contains("problem") || name.contains("challenge") {
            format!("Struggling with {} and {}", w(index), w(index + 3))
        } else if name.contains("goal") || name.contains("objective") {
            format!("Better {} through {}", w(index), w(index + 2))
        } else {
            return None;
        };
        Some(text)
    }

    pub(super) fn word(&self, rng: &mut SeededRng) -> &str {
        self.words.get(rng.index(self.words.len())).map_or("business", String::as_str)
    }

    /// A sentence of about `n` words from the prompt's words, mentioning the keyword.
    pub(super) fn sentence(&self, rng: &mut SeededRng, n: usize) -> String {
        let mut parts = vec![capitalize(&self.keyword)];
        let joiners = ["and", "for", "with", "through", "because", "so", "while"];
        for i in 0..n.saturating_sub(2) {
            if i % 3 == 2 {
                parts.push(joiners.get(rng.index(joiners.len())).copied().unwrap_or("and").to_string());
            } else {
                parts.push(self.word(rng).to_string());
            }
        }
        format!("{}.", parts.join(" "))
    }

    /// A phrase naming the `index`-th item of a list, distinct for distinct indexes.
    pub(super) fn phrase(&self, index: usize, rng_offset: usize) -> String {
        let kw = &self.keyword;
        let templates: &[&str] = if self.task == "outline" {
            &[
                "What is {kw}",
                "Why {kw} matters",
                "How {kw} works",
                "Choosing the right {kw}",
                "{kw} best practices",
                "Common {kw} mistakes",
                "Measuring {kw} results",
                "Getting started with {kw}",
            ]
        } else {
            &[
                "{kw} for beginners",
                "benefits of {kw}",
                "how to choose {kw}",
                "{kw} best practices",
                "common {kw} mistakes",
                "{kw} costs and pricing",
                "{kw} tools compared",
                "measuring {kw} results",
                "{kw} examples",
                "{kw} checklist",
                "{kw} for small teams",
                "future of {kw}",
            ]
        };
        let len = templates.len();
        let template = templates.get((index + rng_offset) % len).copied().unwrap_or("{kw}");
        let text = template.replace("{kw}", kw);
        let text = if self.task == "outline" { capitalize(&text) } else { text };
        if index >= len { format!("{text} (part {})", index / len + 1) } else { text }
    }
}

/// The keyword the prompt is about, if it says.
fn find_keyword(prompt: &str) -> Option<String> {
    let clean = |s: &str| {
        let s = s.trim().trim_matches(|c| matches!(c, '"' | '\'' | '“' | '”' | '`' | '.' | ','));
        let s = s.trim();
        (!s.is_empty()).then(|| truncate_chars(s, 80))
    };
    for line in prompt.lines() {
        let lower = line.trim().to_lowercase();
        for label in ["focus keyword:", "keyword:", "topic:", "seed:", "business:"] {
            if let Some(at) = lower.find(label) {
                let rest = line.trim().get(at + label.len()..).unwrap_or("");
                if let Some(k) = clean(rest) {
                    return Some(k);
                }
            }
        }
    }
    let mut in_quote = None;
    for (i, c) in prompt.char_indices() {
        match (c, in_quote) {
            ('"' | '“', None) => in_quote = Some(i + c.len_utf8()),
            ('"' | '”', Some(start)) => {
                let phrase = prompt.get(start..i).unwrap_or("");
                let n = phrase.split_whitespace().count();
                if (1..=8).contains(&n) && !phrase.contains('\n') {
                    return clean(phrase);
                }
                in_quote = None;
            }
            _ => {}
        }
    }
    None
}

/// Numbers cited in the prompt as `[n]`, in order of first appearance.
fn cited_numbers(prompt: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let mut rest = prompt;
    while let Some(open) = rest.find('[') {
        rest = rest.get(open + 1..).unwrap_or("");
        if let Some(close) = rest.find(']') {
            let inner = rest.get(..close).unwrap_or("");
            if (1..=4).contains(&inner.len())
                && inner.chars().all(|c| c.is_ascii_digit())
                && let Ok(n) = inner.parse::<u32>()
                && n > 0
                && !out.contains(&n)
            {
                out.push(n);
            }
        }
    }
    out
}

/// 120–250 words of HTML paragraphs about the keyword, citing the prompt's numbered sources.
fn section_html(prompt: &str, context: &Context, rng: &mut SeededRng) -> String {
    const TEMPLATES: &[&str] = &[
        "{Kw} starts with a clear view of {a} and {b}, because teams that skip this step rarely see lasting {c}.",
        "Most organisations that invest in {kw} report better {a} once they connect it to {b} and review the {c} regularly.",
        "A practical approach is to map each {a} to a concrete {b}, then measure how {kw} changes the {c} over a quarter.",
        "When {a} and {b} pull in different directions, {kw} gives a shared language for deciding what matters first.",
        "Small teams can begin with one {a}, document the {b} they follow, and expand {kw} only when the {c} is stable.",
        "The cost of ignoring {kw} shows up later as wasted {a}, slower {b} and customers who never hear about {c}.",
        "Good {kw} work is measurable: agree on the {a} you track, the {b} you expect, and the date you will review {c}.",
        "Experienced practitioners treat {kw} as a habit rather than a project, revisiting {a} and {b} every few weeks.",
    ];
    let citations = cited_numbers(prompt);
    let target = usize::try_from(rng.between(140, 220)).unwrap_or(160);
    let kw = escape_html(&context.keyword);
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut words = 0;
    let mut cite_next = 0;
    let mut offset = rng.index(TEMPLATES.len());
    while words < target {
        let template = TEMPLATES.get(offset % TEMPLATES.len()).copied().unwrap_or("{Kw}.");
        offset += 1;
        let mut sentence = template
            .replace("{Kw}", &capitalize(&kw))
            .replace("{kw}", &kw)
            .replace("{a}", &escape_html(context.word(rng)))
            .replace("{b}", &escape_html(context.word(rng)))
            .replace("{c}", &escape_html(context.word(rng)));
        // Cite every source at least once, one per sentence, round robin.
        if !citations.is_empty() && (cite_next < citations.len() || rng.below(2) == 0) {
            if let Some(n) = citations.get(cite_next % citations.len()) {
                sentence.pop();
                sentence.push_str(&format!(" [{n}]."));
            }
            cite_next += 1;
        }
        let n = sentence.split_whitespace().count();
        if words + n > 250 {
            break;
        }
        words += n;
        current.push(sentence);
        if current.len() == 4 {
            paragraphs.push(format!("<p>{}</p>", current.join(" ")));
            current.clear();
        }
    }
    if !current.is_empty() {
        paragraphs.push(format!("<p>{}</p>", current.join(" ")));
    }
    paragraphs.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keywords_and_citations() {
        assert_eq!(
            find_keyword("Write about it.\nKeyword: \"crm software\"\n").as_deref(),
            Some("crm software")
        );
        assert_eq!(
            find_keyword("Subtopics for \"email marketing\" please").as_deref(),
            Some("email marketing")
        );
        assert_eq!(find_keyword("nothing here"), None);
        assert_eq!(cited_numbers("[1] a\n[2] b [x] [2] [12345] [0]"), [1, 2]);
    }
}
