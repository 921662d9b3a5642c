//! A scripted stand-in for a language model: deterministic, offline, structurally valid.

use super::determinism::{SeededRng, stable_hash};
use super::offline_writer::write_section;
use super::pricing::{ESTIMATE_MAX_TOKENS, OfflinePrices, chars_to_tokens};
use super::schema_walker::SchemaWalker;
use super::text::{capitalize, content_words, truncate_chars};
use crate::json_schema::validate;
use async_trait::async_trait;
use infin8_core::Usd;
use infin8_core::article::intent::{classify_intent, title_for};
use infin8_core::keyword::SearchIntent;
use infin8_core::provider::{
    ChatRole, Completion, CompletionRequest, LanguageModel, Metered, ProviderError, ProviderUsage,
    ResponseFormat,
};
use serde_json::{Value, json};

/// The default model name, recorded in article provenance so nobody mistakes its output.
pub const SCRIPTED_MODEL_NAME: &str = "scripted-offline";

/// A **stand-in** [`LanguageModel`]: no model, no network. It answers every prompt with output of
/// the requested *shape*, built from the prompt's own words, so pipelines, examples and tests run
/// end to end. Its sections quote the research it is given; everything else is scaffolding, not
/// writing: review before publishing.
///
/// - [`ResponseFormat::JsonSchema`]: a JSON value valid against the given schema, produced by
///   walking it (`object` → every property, required ones included; `array` → `minItems` to
///   `maxItems` (or `minItems + 2`) items; `string` → words of the prompt, within
///   `minLength`/`maxLength`, honouring common `format`s; `integer`/`number` within bounds;
///   `enum` → its first value; `const`, `anyOf`/`oneOf` (first option), `allOf`, local `$ref`).
///   `pattern` is not honoured. The answer is checked with [`crate::json_schema::validate`].
/// - Known tasks get nicer content: `"subtopics"` → distinct phrases containing the keyword;
///   `"outline"` → section headings that fit the prompt's `Search intent:` line (a guide for an
///   informational keyword, a comparison for a commercial one, plans and steps for a
///   transactional one), naming the keyword's subject (`best crm` → `CRM`).
/// - [`ResponseFormat::Text`] with task `"section"`: the **offline writer**, extractive: whole
///   sentences quoted from the sources listed in the prompt (`[n] title — url` and their
///   excerpts), chosen for the section's heading (`Section heading:`) and the focus keyword, each
///   followed by its source's number, as Markdown paragraphs; the lead (`Section role: lead`)
///   opens by saying it is an offline draft. Nothing is invented; with no source it says so.
///   [`ResponseFormat::Json`] with task `"section"` wraps the same Markdown as
///   `{"content": "…"}`; other tasks get `{"text": "…"}` or a plain sentence.
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
                    json!({ "content": write_section(&prompt, &context.keyword) })
                } else {
                    json!({ "text": context.sentence(&mut rng, 12) })
                };
                Ok((value.to_string(), Some(value)))
            }
            ResponseFormat::Text => {
                let text = if request.task == "section" {
                    write_section(&prompt, &context.keyword)
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
    /// The search intent of a `Search intent: …` line, lower-cased, if any.
    intent: Option<String>,
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
        let intent = prompt.lines().find_map(|l| {
            let lower = l.trim().to_lowercase();
            lower.strip_prefix("search intent:").map(|rest| {
                rest.split(|c: char| !c.is_alphabetic()).find(|w| !w.is_empty()).unwrap_or("").to_string()
            })
        });
        Self { keyword, words, task: task.to_string(), audiences, intent }
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

    /// An article title for the keyword that fits the prompt's search intent.
    pub(super) fn title(&self) -> String {
        let intent = match self.intent.as_deref() {
            Some("transactional") => SearchIntent::Transactional,
            Some("commercial") => SearchIntent::Commercial,
            Some("navigational") => SearchIntent::Navigational,
            Some("informational") => SearchIntent::Informational,
            _ => classify_intent(&self.keyword, None),
        };
        title_for(&self.keyword, intent)
    }

    /// Outline headings for the prompt's search intent, each with what to research for it.
    fn outline_templates(&self) -> &'static [(&'static str, &'static str)] {
        match self.intent.as_deref() {
            Some("transactional") => &[
                ("{S} plans and what they include", "plans pricing"),
                ("What drives {s} pricing", "pricing cost"),
                ("What to check before you sign up", "contract trial"),
                ("How to get started with {s}", "setup"),
                ("Setting up {s} in the first week", "onboarding"),
                ("Getting value from {s} quickly", "activation"),
            ],
            Some("commercial") => &[
                ("What to look for in {s}", "criteria"),
                ("How the leading {s} options compare", "comparison"),
                ("{S} pricing and total cost", "pricing cost"),
                ("Questions to ask before choosing {s}", "questions"),
                ("Common {s} buying mistakes", "mistakes"),
                ("Measuring {s} results", "metrics"),
            ],
            Some("navigational") => &[
                ("What {s} offers", "features"),
                ("Where to find what you need", "support documentation"),
                ("Alternatives to {s}", "alternatives"),
            ],
            _ => &[
                ("The basics of {s}", "definition"),
                ("The case for {s}", "benefits"),
                ("{S} in practice", "examples"),
                ("Getting started with {s}", "getting started"),
                ("Common mistakes with {s}", "mistakes"),
                ("Measuring results with {s}", "metrics"),
            ],
        }
    }

    /// The research query of the `index`-th outline heading: the keyword and the heading's topic.
    pub(super) fn outline_query(&self, index: usize) -> String {
        let templates = self.outline_templates();
        let (_, topic) = templates.get(index % templates.len().max(1)).copied().unwrap_or(("", "overview"));
        format!("{} {topic}", self.keyword)
    }

    /// A phrase naming the `index`-th item of a list, distinct for distinct indexes.
    pub(super) fn phrase(&self, index: usize, rng_offset: usize) -> String {
        let kw = &self.keyword;
        let subject = infin8_core::article::intent::subject(kw);
        let outline: Vec<&str> = self.outline_templates().iter().map(|(h, _)| *h).collect();
        let templates: &[&str] = if self.task == "outline" {
            &outline
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
        let text =
            template.replace("{kw}", kw).replace("{S}", &capitalize(&subject)).replace("{s}", &subject);
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
    }
}
