//! Quality guards of an assembled article, each with its measurement and the auto-fix applied.
//!
//! | guard | passes when | auto-fix (applied by assembly, recorded here) |
//! |---|---|---|
//! | `sources` | at least [`GuardConfig::min_sources`] distinct sources are cited | — (the article is not publishable) |
//! | `citations_resolve` | every citation number names a source of its section | dangling markers removed |
//! | `heading_structure` | no `<h1>` in the body (the title is the one H1), at least two `<h2>`, no level skipped | model headings demoted below `<h2>` |
//! | `keyword_in_title` | the focus keyword is in the title | the keyword prefixed to the title |
//! | `keyword_in_first_paragraph` | … in the first paragraph | — |
//! | `keyword_in_heading` | … in at least one `<h2>`/`<h3>` | — |
//! | `keyword_density` | occurrences of the keyphrase per 100 words, in [`GuardConfig::keyword_density`] (percent) | — |
//! | `meta_title_length` | meta title 1..=60 characters | cut at a word boundary |
//! | `meta_description_length` | meta description 50..=160 characters | cut at a word boundary |
//! | `reading_ease` | Flesch reading ease ≥ [`GuardConfig::min_reading_ease`] (English); other languages: reported, passes | — |
//! | `section_words` | every body section has ≥ [`GuardConfig::min_section_words`] words | — |
//!
//! A guard that fails with no fix makes the article not publishable, with the guards' reasons.
//! Scores are derived from the guards (see [`derive_scores`]): an article failing any guard scores
//! at most [`FAILED_GUARD_SCORE_CAP`], so a zero-source article cannot score high.

use super::score::{Check, Score};
use serde::{Deserialize, Serialize};

/// The highest SEO or quality score of an article that fails a guard.
pub const FAILED_GUARD_SCORE_CAP: f64 = 40.0;

/// The guards' thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GuardConfig {
    /// Fewest distinct cited sources (default 1: an article citing nothing is not published).
    pub min_sources: usize,
    /// Keyword density range in percent (default 0.1..=3.0).
    pub keyword_density: (f64, f64),
    /// Lowest Flesch reading ease for English text (default 20: dense professional prose passes,
    /// unreadable text does not).
    pub min_reading_ease: f64,
    /// Fewest words in a body section (default 40).
    pub min_section_words: usize,
}

impl Default for GuardConfig {
    fn default() -> Self {
        Self { min_sources: 1, keyword_density: (0.1, 3.0), min_reading_ease: 20.0, min_section_words: 40 }
    }
}

/// The outcome of one guard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardResult {
    /// The guard (`"sources"`, `"keyword_density"`, …).
    pub guard: String,
    /// Whether it passes (after its auto-fix, if any).
    pub passed: bool,
    /// What was measured, for people (`"3 sources"`, `"density 1.2%"`).
    pub measurement: String,
    /// The auto-fix applied, if any.
    pub fix: Option<String>,
}

impl GuardResult {
    /// A result.
    #[must_use]
    pub fn new(guard: &str, passed: bool, measurement: impl Into<String>) -> Self {
        Self { guard: guard.to_string(), passed, measurement: measurement.into(), fix: None }
    }

    /// The same result with a recorded fix (none when `fix` is `None`).
    #[must_use]
    pub fn fixed(mut self, fix: Option<String>) -> Self {
        self.fix = fix;
        self
    }
}

/// Every guard's result for one article.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GuardReport {
    /// The results, in the order of the [module table](self).
    pub results: Vec<GuardResult>,
}

impl GuardReport {
    /// Whether every guard passes.
    #[must_use]
    pub fn publishable(&self) -> bool {
        self.results.iter().all(|r| r.passed)
    }

    /// The failing guards as reasons (`"sources: 0 sources cited, at least 1 needed"`).
    #[must_use]
    pub fn failures(&self) -> Vec<String> {
        self.results.iter().filter(|r| !r.passed).map(|r| format!("{}: {}", r.guard, r.measurement)).collect()
    }

    /// The fixes applied.
    #[must_use]
    pub fn fixes(&self) -> Vec<String> {
        self.results.iter().filter_map(|r| r.fix.as_ref().map(|f| format!("{}: {f}", r.guard))).collect()
    }
}

/// The scores derived from the guards: each score gains a `guards` check (the share of guards
/// passing, worth a quarter of the total), and an article failing any guard is capped at
/// [`FAILED_GUARD_SCORE_CAP`].
#[must_use]
pub fn derive_scores(seo: Score, quality: Score, guards: &GuardReport) -> (Score, Score) {
    let passing = guards.results.iter().filter(|r| r.passed).count() as f64;
    let share = if guards.results.is_empty() { 1.0 } else { passing / guards.results.len() as f64 };
    let derive = |mut score: Score| {
        let max: f64 = score.checks.iter().map(|c| c.max).sum::<f64>().max(1.0);
        let weight = max / 3.0; // a quarter of the new total
        score.checks.push(Check { rule: "guards", points: weight * share, max: weight });
        let got: f64 = score.checks.iter().map(|c| c.points).sum();
        let mut total = (got / (max + weight) * 1000.0).round() / 10.0;
        if !guards.publishable() {
            total = total.min(FAILED_GUARD_SCORE_CAP);
        }
        score.total = total;
        score
    };
    (derive(seo), derive(quality))
}

/// Syllables of an English word (vowel groups, a silent final `e` dropped, at least one).
#[must_use]
pub fn syllables(word: &str) -> usize {
    let w: Vec<char> = word.to_lowercase().chars().filter(char::is_ascii_alphabetic).collect();
    if w.is_empty() {
        return 0;
    }
    let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let mut count = 0;
    let mut previous = false;
    for c in &w {
        let v = vowel(*c);
        if v && !previous {
            count += 1;
        }
        previous = v;
    }
    let n = w.len();
    // A silent final "e" ("make"), but not the syllable of a consonant + "le" ("table").
    let consonant_le = n > 2 && w[n - 2] == 'l' && !vowel(w[n - 3]);
    if n > 2 && w[n - 1] == 'e' && !vowel(w[n - 2]) && !consonant_le {
        count -= 1;
    }
    count.max(1)
}

/// Flesch reading ease of English text: `206.835 − 1.015 × words/sentences − 84.6 ×
/// syllables/words` (higher is easier; 60–70 is plain English). `None` for text without words.
#[must_use]
pub fn flesch_reading_ease(text: &str) -> Option<f64> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '/' || c == '—')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().any(char::is_alphabetic))
        .collect();
    if words.is_empty() {
        return None;
    }
    let sentences = text
        .split(['.', '!', '?'])
        .filter(|s| s.split_whitespace().any(|w| w.chars().any(char::is_alphabetic)))
        .count()
        .max(1);
    let syllables: usize = words.iter().map(|w| syllables(w)).sum();
    let w = words.len() as f64;
    Some(206.835 - 1.015 * (w / sentences as f64) - 84.6 * (syllables as f64 / w))
}

/// Occurrences of `keyword` in `text` as whole words, case-insensitive (never slicing the text at
/// offsets of a case-changed copy: both are compared word by word).
#[must_use]
pub fn keyword_occurrences(text: &str, keyword: &str) -> usize {
    let split = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let needle = split(keyword);
    if needle.is_empty() {
        return 0;
    }
    let hay = split(text);
    hay.windows(needle.len()).filter(|w| *w == needle.as_slice()).count()
}

/// Whether `text` contains `keyword` (see [`keyword_occurrences`]).
#[must_use]
pub fn mentions(text: &str, keyword: &str) -> bool {
    keyword_occurrences(text, keyword) > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn syllables_and_flesch() {
        assert_eq!(syllables("cat"), 1);
        assert_eq!(syllables("make"), 1);
        assert_eq!(syllables("table"), 2);
        assert_eq!(syllables("analytics"), 4);
        let easy = flesch_reading_ease("The cat sat on the mat. It was a good cat.").unwrap();
        let hard = flesch_reading_ease(
            "Organizational implementation of comprehensive instrumentation methodologies necessitates considerable interdepartmental coordination.",
        )
        .unwrap();
        assert!(easy > 90.0 && hard < 0.0, "{easy} {hard}");
        assert_eq!(flesch_reading_ease("… — 42"), None);
    }

    #[test]
    fn keyword_matching_is_by_words_and_unicode_safe() {
        assert_eq!(keyword_occurrences("CRM software; crm-software and crmsoftware", "crm software"), 2);
        assert_eq!(keyword_occurrences("Visit İzmir. İzmir!", "izmir"), 0);
        assert_eq!(keyword_occurrences("Visit İzmir. İzmir!", "İzmir"), 2);
        assert!(!mentions("anything", ""));
    }

    #[test]
    fn failing_guards_cap_the_scores() {
        let perfect = Score { total: 100.0, checks: vec![Check { rule: "x", points: 10.0, max: 10.0 }] };
        let ok = GuardReport { results: vec![GuardResult::new("sources", true, "3 sources")] };
        let (seo, _) = derive_scores(perfect.clone(), perfect.clone(), &ok);
        assert!((seo.total - 100.0).abs() < 1e-9);
        let none = GuardReport { results: vec![GuardResult::new("sources", false, "0 sources")] };
        let (seo, quality) = derive_scores(perfect.clone(), perfect, &none);
        assert!(seo.total <= FAILED_GUARD_SCORE_CAP && quality.total <= FAILED_GUARD_SCORE_CAP);
        assert_eq!(none.failures(), vec!["sources: 0 sources"]);
    }

    proptest! {
        #[test]
        fn measures_never_panic(s in "\\PC{0,200}", k in "\\PC{0,20}") {
            let _ = flesch_reading_ease(&s);
            let _ = keyword_occurrences(&s, &k);
            for w in s.split_whitespace() { let _ = syllables(w); }
        }
    }
}
