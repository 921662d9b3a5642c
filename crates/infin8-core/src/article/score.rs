//! Article scores: documented, pure rules giving an SEO score and a quality score, each 0..=100.
//!
//! **SEO score** — points per check (100 in all):
//! | check | points |
//! |---|---|
//! | focus keyword in the title | 15 |
//! | focus keyword in the meta title | 10 |
//! | focus keyword in the meta description | 10 |
//! | focus keyword in the first paragraph | 15 |
//! | slug contains the keyword's slug | 10 |
//! | meta title 30..=60 characters | 10 |
//! | meta description 70..=160 characters | 10 |
//! | at least 3 section headings | 10 |
//! | word count 600..=3000 (half the points for 300..600 or 3000..5000) | 10 |
//!
//! **Quality score** — the average over four measures, each 0..=1, times 100:
//! - *completeness*: sections completed / sections planned;
//! - *citations*: the share of sections citing at least one source;
//! - *source diversity*: distinct cited domains / 3, capped at 1 (three independent domains are
//!   enough for a web article);
//! - *readability*: 1 when the average sentence is 12..=24 words, falling linearly to 0 at 6 and
//!   at 40 words (a proxy for reading level that needs no dictionary).

use super::slug::slugify;
use serde::Serialize;

/// One scored check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// The rule (`"keyword_in_title"`).
    pub rule: &'static str,
    /// Points earned.
    pub points: f64,
    /// Points possible.
    pub max: f64,
}

/// A score with its checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// 0..=100.
    pub total: f64,
    /// How it was computed.
    pub checks: Vec<Check>,
}

/// What the SEO score looks at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeoInput<'a> {
    /// The focus keyword.
    pub focus_keyword: &'a str,
    /// The title.
    pub title: &'a str,
    /// The meta title.
    pub meta_title: &'a str,
    /// The meta description.
    pub meta_description: &'a str,
    /// The slug.
    pub slug: &'a str,
    /// The text of the first paragraph.
    pub first_paragraph: &'a str,
    /// Number of section headings.
    pub headings: usize,
    /// Word count of the body.
    pub word_count: usize,
}

fn contains(haystack: &str, needle: &str) -> bool {
    !needle.trim().is_empty() && haystack.to_lowercase().contains(&needle.trim().to_lowercase())
}

fn check(rule: &'static str, max: f64, pass: f64) -> Check {
    Check { rule, points: max * pass.clamp(0.0, 1.0), max }
}

fn total(checks: Vec<Check>) -> Score {
    let max: f64 = checks.iter().map(|c| c.max).sum();
    let got: f64 = checks.iter().map(|c| c.points).sum();
    let total = if max > 0.0 { (got / max * 1000.0).round() / 10.0 } else { 0.0 };
    Score { total, checks }
}

/// The SEO score (see the [module docs](self)).
#[must_use]
pub fn seo_score(input: &SeoInput<'_>) -> Score {
    let kw = input.focus_keyword;
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    let mt = input.meta_title.chars().count();
    let md = input.meta_description.chars().count();
    let words = match input.word_count {
        600..=3000 => 1.0,
        300..600 | 3001..=5000 => 0.5,
        _ => 0.0,
    };
    let kw_slug = slugify(kw);
    total(vec![
        check("keyword_in_title", 15.0, b(contains(input.title, kw))),
        check("keyword_in_meta_title", 10.0, b(contains(input.meta_title, kw))),
        check("keyword_in_meta_description", 10.0, b(contains(input.meta_description, kw))),
        check("keyword_in_first_paragraph", 15.0, b(contains(input.first_paragraph, kw))),
        check("keyword_in_slug", 10.0, b(!kw.trim().is_empty() && input.slug.contains(&kw_slug))),
        check("meta_title_length", 10.0, b((30..=60).contains(&mt))),
        check("meta_description_length", 10.0, b((70..=160).contains(&md))),
        check("headings", 10.0, b(input.headings >= 3)),
        check("word_count", 10.0, words),
    ])
}

/// What the quality score knows of one section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SectionFacts {
    /// Whether it was written.
    pub completed: bool,
    /// Source numbers it cites.
    pub citations: usize,
    /// Domains of the sources it cites.
    pub cited_domains: Vec<String>,
}

/// Average words per sentence of a text (sentences end at `.`, `!`, `?`); 0 for no words.
#[must_use]
pub fn average_sentence_words(text: &str) -> f64 {
    let sentences: Vec<&str> =
        text.split(['.', '!', '?']).filter(|s| s.split_whitespace().next().is_some()).collect();
    if sentences.is_empty() {
        return 0.0;
    }
    let words: usize = sentences.iter().map(|s| s.split_whitespace().count()).sum();
    words as f64 / sentences.len() as f64
}

/// Readability 0..=1 from the average sentence length (see the [module docs](self)).
#[must_use]
pub fn readability(avg_sentence_words: f64) -> f64 {
    match avg_sentence_words {
        a if (12.0..=24.0).contains(&a) => 1.0,
        a if a > 6.0 && a < 12.0 => (a - 6.0) / 6.0,
        a if a > 24.0 && a < 40.0 => (40.0 - a) / 16.0,
        _ => 0.0,
    }
}

/// The quality score (see the [module docs](self)). `planned` is the number of sections in the
/// outline; `text` the article's plain text.
#[must_use]
pub fn quality_score(sections: &[SectionFacts], planned: usize, text: &str) -> Score {
    let planned = planned.max(sections.len()).max(1) as f64;
    let completed = sections.iter().filter(|s| s.completed).count() as f64;
    let cited = sections.iter().filter(|s| s.completed && s.citations > 0).count() as f64;
    let mut domains: Vec<&String> = sections.iter().flat_map(|s| &s.cited_domains).collect();
    domains.sort();
    domains.dedup();
    total(vec![
        check("sections_complete", 25.0, completed / planned),
        check("sections_with_citations", 25.0, if completed > 0.0 { cited / completed } else { 0.0 }),
        check("source_diversity", 25.0, domains.len() as f64 / 3.0),
        check("readability", 25.0, readability(average_sentence_words(text))),
    ])
}

/// The host of a URL without `www.`, lower-cased (empty when there is none).
#[must_use]
pub fn domain_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = host.split(':').next().unwrap_or(host).to_lowercase();
    host.strip_prefix("www.").unwrap_or(&host).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_seo_scores_100_and_each_check_counts() {
        let input = SeoInput {
            focus_keyword: "crm software",
            title: "The best CRM software for small teams",
            meta_title: "The best CRM software for small teams",
            meta_description: "How to choose crm software: pricing, setup and integrations compared for small teams that sell.",
            slug: "best-crm-software-small-teams",
            first_paragraph: "Choosing CRM software is hard.",
            headings: 5,
            word_count: 1_200,
        };
        assert!((seo_score(&input).total - 100.0).abs() < 1e-9);
        let worse = SeoInput { title: "Sales tools", ..input.clone() };
        assert!((seo_score(&worse).total - 85.0).abs() < 1e-9);
        let short = SeoInput { word_count: 400, ..input.clone() };
        assert!((seo_score(&short).total - 95.0).abs() < 1e-9);
        let nothing = SeoInput::default();
        assert!((seo_score(&nothing).total - 0.0).abs() < 1e-9);
    }

    #[test]
    fn quality_rewards_completeness_citations_diversity_readability() {
        let s = |c: usize, d: &[&str]| SectionFacts {
            completed: true,
            citations: c,
            cited_domains: d.iter().map(|x| (*x).to_string()).collect(),
        };
        let text = "This sentence has exactly twelve words in it to be read well. ".repeat(3);
        let full = quality_score(&[s(1, &["a.com"]), s(2, &["b.com", "c.com"])], 2, &text);
        assert!((full.total - 100.0).abs() < 1e-9, "{full:?}");
        let half = quality_score(&[s(0, &[])], 2, &text);
        // completeness 0.5, citations 0, diversity 0, readability 1 → 37.5
        assert!((half.total - 37.5).abs() < 1e-9, "{half:?}");
    }

    #[test]
    fn readability_curve() {
        assert!((readability(15.0) - 1.0).abs() < 1e-9);
        assert!((readability(9.0) - 0.5).abs() < 1e-9);
        assert!((readability(32.0) - 0.5).abs() < 1e-9);
        assert!(readability(3.0).abs() < 1e-9);
        assert!(readability(50.0).abs() < 1e-9);
    }

    #[test]
    fn domains() {
        assert_eq!(domain_of("https://www.Example.com:8080/a?b"), "example.com");
        assert_eq!(domain_of("example.org/x"), "example.org");
    }
}
