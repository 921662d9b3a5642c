//! Keyword filtering rules (step 5): every keyword gets `approved` or `rejected`, with every
//! rule it breaks listed as a machine-readable [`RejectReason`].
//!
//! Rules, in the order they are checked and listed:
//! 1. **length** — word count in `min_words..=max_words`, character count in
//!    `min_chars..=max_chars` (of the normalized text);
//! 2. **search volume** ≥ `min_search_volume` (unknown volume passes unless
//!    `reject_unknown_volume`);
//! 3. **difficulty** ≤ `max_difficulty` (unknown passes);
//! 4. **language** among `allowed_languages` (detected with `whatlang`; see
//!    [`FilterDecision::detected_language`]);
//! 5. **navigational** — the keyword names a brand term or a competitor's domain or brand, or its
//!    intent is navigational (when `reject_navigational`). A *comparison* is never navigational
//!    ("mixpanel alternatives", "amplitude vs mixpanel", "tools like hotjar": see
//!    [`is_comparison`]): it is the most valuable commercial search a competitor's name appears
//!    in, and the searcher has not chosen a site yet; only pure brand, login and app queries are;
//! 6. **duplicates** — same normalized text, same set of words, or normalized Levenshtein
//!    similarity ≥ `near_duplicate_threshold`. Of a group of duplicates the one kept is the best:
//!    a keyword that passes rules 1–5 beats one that does not, then higher volume, then input
//!    order; the others are rejected with [`FilterDecision::duplicate_of`] naming it.

mod duplicate;
mod language;

use crate::ids::KeywordId;
use crate::keyword::{FilterStatus, SearchIntent};
use duplicate::{DuplicateFinder, DuplicateKind};
use serde::{Deserialize, Serialize};

/// The filtering rules and their thresholds. Defaults are documented per field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FilterRules {
    /// Minimum monthly search volume. Default `Some(10)`: the floor most keyword databases report
    /// at all; below it the number is noise.
    pub min_search_volume: Option<i64>,
    /// Whether an unknown volume is rejected. Default false (providers omit volume for new terms).
    pub reject_unknown_volume: bool,
    /// Maximum ranking difficulty (0..=100). Default `Some(80)`: above it a new page rarely ranks.
    pub max_difficulty: Option<i32>,
    /// Allowed languages (ISO 639-1 or 639-3, `"en"`, `"deu"`, `"en-US"`), or `"*"` for any.
    /// Default empty: any. (The `infin8` command fills in the campaign's language when its
    /// config lists none.)
    pub allowed_languages: Vec<String>,
    /// Minimum `whatlang` confidence (0..=1) for a detected language to count. Default 0.5:
    /// detection on two or three words is often wrong ("crm software" comes out Romanian at 0.03),
    /// and wrongly dropping a good keyword costs more than keeping a foreign one.
    pub min_language_confidence: f64,
    /// The business's own and third-party brand terms; a keyword containing one as whole words
    /// is navigational. Default empty.
    pub brand_terms: Vec<String>,
    /// Competitor domains (`"hubspot.com"`, `"https://www.pipedrive.com/"`); a keyword naming the
    /// domain or its brand label (`"hubspot"`) is navigational. Default empty.
    pub competitor_domains: Vec<String>,
    /// Whether navigational keywords are rejected. Default true: nobody ranks for a competitor's
    /// brand, and brand queries want the brand's own site.
    pub reject_navigational: bool,
    /// Normalized Levenshtein similarity at or above which two keywords are near duplicates;
    /// `None` disables near (not exact or word-set) duplicates. Default `Some(0.9)`: catches
    /// plurals and typos of keywords of 10+ characters ("crm software" ~ "crm softwares") but not
    /// different short keywords ("best crm" vs "best cms" is 0.875).
    pub near_duplicate_threshold: Option<f64>,
    /// Minimum words. Default 1.
    pub min_words: usize,
    /// Maximum words. Default 10: longer "keywords" are sentences pasted into a search box.
    pub max_words: usize,
    /// Minimum characters. Default 2.
    pub min_chars: usize,
    /// Maximum characters. Default 80.
    pub max_chars: usize,
}

impl Default for FilterRules {
    fn default() -> Self {
        Self {
            min_search_volume: Some(10),
            reject_unknown_volume: false,
            max_difficulty: Some(80),
            allowed_languages: Vec::new(),
            min_language_confidence: 0.5,
            brand_terms: Vec::new(),
            competitor_domains: Vec::new(),
            reject_navigational: true,
            near_duplicate_threshold: Some(0.9),
            min_words: 1,
            max_words: 10,
            min_chars: 2,
            max_chars: 80,
        }
    }
}

/// A keyword to filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FilterCandidate<'a> {
    /// The keyword.
    pub id: KeywordId,
    /// Its text as given.
    pub keyword: &'a str,
    /// Its normalized text (see [`normalize_keyword`](crate::keyword::normalize_keyword)).
    pub normalized: &'a str,
    /// Monthly search volume.
    pub search_volume: Option<i64>,
    /// Difficulty 0..=100.
    pub difficulty: Option<i32>,
    /// Main intent.
    pub intent: Option<SearchIntent>,
    /// The language the provider reported, used when detection is not reliable.
    pub language: Option<&'a str>,
}

/// Why a keyword was rejected. Serialized with a `rule` tag (`{"rule": "min_search_volume",
/// "volume": 5, "min": 10}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RejectReason {
    /// Fewer words or characters than allowed.
    TooShort {
        /// Words.
        words: usize,
        /// Characters.
        chars: usize,
    },
    /// More words or characters than allowed.
    TooLong {
        /// Words.
        words: usize,
        /// Characters.
        chars: usize,
    },
    /// Volume below the minimum (`volume` `None`: unknown and unknown is rejected).
    MinSearchVolume {
        /// The keyword's volume.
        volume: Option<i64>,
        /// The minimum.
        min: i64,
    },
    /// Difficulty above the maximum.
    MaxDifficulty {
        /// The keyword's difficulty.
        difficulty: i32,
        /// The maximum.
        max: i32,
    },
    /// Not in an allowed language.
    ForeignLanguage {
        /// The detected language.
        detected: Option<String>,
    },
    /// Navigational: names a brand or competitor, or has navigational intent.
    Navigational {
        /// `"brand_term"`, `"competitor_domain"` or `"intent"`.
        source: String,
        /// The term, domain or intent matched.
        matched: String,
    },
    /// A duplicate of a better keyword.
    Duplicate {
        /// The keyword kept.
        of: KeywordId,
        /// `"exact"`, `"token_set"` or `"near"`.
        kind: String,
        /// The edit similarity (1 for exact and token-set duplicates).
        similarity: f64,
    },
}

/// The decision on one keyword.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterDecision {
    /// The keyword.
    pub id: KeywordId,
    /// [`FilterStatus::Approved`] or [`FilterStatus::Rejected`].
    pub status: FilterStatus,
    /// Every rule broken, in rule order; empty when approved.
    pub reasons: Vec<RejectReason>,
    /// ISO 639-1 code of the detected language (the provider's language when detection is not
    /// reliable), if any.
    pub detected_language: Option<String>,
    /// Whether the language is not among the allowed ones.
    pub is_foreign_language: bool,
    /// Whether the keyword is navigational (whether or not that rejects it).
    pub is_navigational: bool,
    /// The keyword this one duplicates, if any.
    pub duplicate_of: Option<KeywordId>,
}

impl FilterDecision {
    /// The JSON for the keyword's `decision_metadata`:
    /// `{"filter": {"status", "reasons", "detected_language", "is_foreign_language",
    /// "is_navigational", "duplicate_of"}}`.
    #[must_use]
    pub fn metadata(&self) -> serde_json::Value {
        serde_json::json!({ "filter": {
            "status": self.status,
            "reasons": self.reasons,
            "detected_language": self.detected_language,
            "is_foreign_language": self.is_foreign_language,
            "is_navigational": self.is_navigational,
            "duplicate_of": self.duplicate_of,
        }})
    }
}

/// Applies `rules` to every candidate; one decision per candidate, in input order. Pure and
/// deterministic; never fails.
#[must_use]
pub fn filter_keywords(candidates: &[FilterCandidate<'_>], rules: &FilterRules) -> Vec<FilterDecision> {
    let brands = brand_patterns(rules);
    let mut decisions: Vec<FilterDecision> =
        candidates.iter().map(|c| single_rules(c, rules, &brands)).collect();
    // Duplicates: best first (passing rules 1–5, then volume, then input order).
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| {
        (!decisions[i].reasons.is_empty(), std::cmp::Reverse(candidates[i].search_volume.unwrap_or(-1)), i)
    });
    let texts: Vec<&str> = candidates.iter().map(|c| c.normalized).collect();
    let mut finder = DuplicateFinder::new(rules.near_duplicate_threshold, &texts);
    for i in order {
        if let Some((rep, kind)) = finder.check(i, candidates[i].normalized) {
            let of = candidates[rep].id;
            let (kind, similarity) = match kind {
                DuplicateKind::Exact => ("exact", 1.0),
                DuplicateKind::TokenSet => ("token_set", 1.0),
                DuplicateKind::Near(s) => ("near", s),
            };
            decisions[i].duplicate_of = Some(of);
            decisions[i].reasons.push(RejectReason::Duplicate { of, kind: kind.to_owned(), similarity });
        }
    }
    for d in &mut decisions {
        d.status = if d.reasons.is_empty() { FilterStatus::Approved } else { FilterStatus::Rejected };
    }
    decisions
}

/// Rules 1–5 for one candidate.
fn single_rules(
    c: &FilterCandidate<'_>,
    rules: &FilterRules,
    brands: &[(String, &'static str, String)],
) -> FilterDecision {
    let mut reasons = Vec::new();
    let words = c.normalized.split_whitespace().count();
    let chars = c.normalized.chars().count();
    if words < rules.min_words || chars < rules.min_chars {
        reasons.push(RejectReason::TooShort { words, chars });
    }
    if words > rules.max_words || chars > rules.max_chars {
        reasons.push(RejectReason::TooLong { words, chars });
    }
    if let Some(min) = rules.min_search_volume {
        match c.search_volume {
            Some(v) if v < min => reasons.push(RejectReason::MinSearchVolume { volume: Some(v), min }),
            None if rules.reject_unknown_volume => {
                reasons.push(RejectReason::MinSearchVolume { volume: None, min });
            }
            _ => {}
        }
    }
    if let (Some(max), Some(d)) = (rules.max_difficulty, c.difficulty)
        && d > max
    {
        reasons.push(RejectReason::MaxDifficulty { difficulty: d, max });
    }
    let lang =
        language::detect(c.normalized, &rules.allowed_languages, c.language, rules.min_language_confidence);
    if lang.is_foreign {
        reasons.push(RejectReason::ForeignLanguage { detected: lang.code.clone() });
    }
    let padded = format!(" {} ", c.normalized);
    let mut navigational = brands
        .iter()
        .find(|(pattern, _, _)| padded.contains(pattern.as_str()))
        .map(|(_, source, matched)| (*source, matched.clone()));
    if navigational.is_none() && c.intent == Some(SearchIntent::Navigational) {
        navigational = Some(("intent", "navigational".to_owned()));
    }
    if is_comparison(c.normalized) {
        navigational = None;
    }
    let is_navigational = navigational.is_some();
    if rules.reject_navigational
        && let Some((source, matched)) = navigational
    {
        reasons.push(RejectReason::Navigational { source: source.to_owned(), matched });
    }
    FilterDecision {
        id: c.id,
        status: FilterStatus::Pending,
        reasons,
        detected_language: lang.code,
        is_foreign_language: lang.is_foreign,
        is_navigational,
        duplicate_of: None,
    }
}

/// Words that make a keyword a comparison between products.
const COMPARISON_WORDS: &[&str] = &[
    "alternative",
    "alternatives",
    "alternativen",
    "vs",
    "vs.",
    "versus",
    "compare",
    "compared",
    "comparison",
    "competitor",
    "competitors",
    "like",
    "similar",
    "or",
    "instead",
    "replacement",
];

/// Whether a (normalized) keyword compares products: it has a word of comparison
/// ("alternative(s)", "vs", "versus", "compare(d)", "comparison", "competitor(s)", "like",
/// "similar", "or", "instead", "replacement"). Such keywords are commercial investigation, never
/// navigational, even when they name a brand.
#[must_use]
pub fn is_comparison(normalized: &str) -> bool {
    normalized.split_whitespace().any(|w| COMPARISON_WORDS.contains(&w))
}

/// Whole-word patterns (`" hubspot "`) with their source and the term as configured.
fn brand_patterns(rules: &FilterRules) -> Vec<(String, &'static str, String)> {
    let word = |s: &str| {
        let n = crate::keyword::normalize_keyword(s).unwrap_or_default();
        if n.is_empty() { None } else { Some(format!(" {n} ")) }
    };
    let mut out = Vec::new();
    for term in &rules.brand_terms {
        if let Some(p) = word(term) {
            out.push((p, "brand_term", term.clone()));
        }
    }
    for domain in &rules.competitor_domains {
        let host = domain.trim().split_once("://").map_or(domain.trim(), |(_, r)| r);
        let host = host.split(['/', '?', '#', ':']).next().unwrap_or("").to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
        if let Some(p) = word(&host) {
            out.push((p, "competitor_domain", domain.clone()));
        }
        // The brand label: the first label of the host ("pipedrive" of "pipedrive.co.uk").
        if let Some(label) = host.split('.').next().filter(|l| l.chars().count() >= 3 && host.contains('.'))
            && let Some(p) = word(label)
        {
            out.push((p, "competitor_domain", domain.clone()));
        }
    }
    out
}
