//! Assembling an article from its written sections: a pure function from the gathered inputs to
//! everything that is stored and published (body HTML, references, meta fields, canonical URL,
//! JSON-LD, guards and scores). The articles step only gathers the inputs and persists the result.
//!
//! The body is: the lead (no heading), a table of contents, each section under its `<h2>` (with an
//! anchor), the conclusion, related articles (internal links), and the references list. Inline
//! citations `[n]` become links to a de-duplicated references list (title, site, URL, accessed
//! date), numbered in order of first citation; citations of no source are removed and recorded.

use super::guard::{
    GuardConfig, GuardReport, GuardResult, derive_scores, flesch_reading_ease, keyword_occurrences, mentions,
};
use super::intent::{display_keyword, subject};
use super::plan::{
    META_DESCRIPTION_MAX, META_TITLE_MAX, SectionRole, capitalize, html_to_text, strip_citations,
    truncate_at_word,
};
use super::render::{cited_numbers, link_citations, sanitize_document, source_href};
use super::score::{Score, SectionFacts, SeoInput, domain_of, quality_score, seo_score};
use super::{Source, reading_time_minutes, slugify, word_count};
use crate::keyword::SearchIntent;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

/// The shortest meta description the guard accepts.
pub const META_DESCRIPTION_MIN: usize = 50;

/// One written section, as the step gathered it.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionInput {
    /// What the section is for.
    pub role: SectionRole,
    /// Its heading (not shown for the lead).
    pub heading: String,
    /// Its sanitized HTML ([`render_section`](super::render::render_section)), citations as
    /// `[n]` numbered as `sources`.
    pub html: String,
    /// Its sources, numbered from 1.
    pub sources: Vec<Source>,
    /// Model headings demoted when it was rendered.
    pub headings_demoted: usize,
}

/// Where the article will live.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Site {
    /// The organization's name (JSON-LD author and publisher).
    pub name: Option<String>,
    /// The site's base URL (`https://example.com/blog/`); the canonical URL is `{base}{slug}/`.
    pub base_url: Option<String>,
    /// The content language (`"en"`).
    pub language: String,
}

/// How an internal link relates two articles of a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkRelation {
    /// To the cluster's hub (pillar page).
    Hub,
    /// To a spoke of this hub.
    Spoke,
    /// To another spoke of the same hub.
    Sibling,
}

/// An internal link to insert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalLink {
    /// The anchor text (the target's keyword).
    pub anchor: String,
    /// The target URL (published URL, or a relative `/{slug}/`).
    pub href: String,
    /// The relation.
    pub relation: LinkRelation,
}

/// Everything assembly needs.
#[derive(Debug, Clone, PartialEq)]
pub struct AssemblyInput {
    /// The focus keyword.
    pub keyword: String,
    /// Its search intent.
    pub intent: SearchIntent,
    /// The outline's title.
    pub title: String,
    /// The sections written, in order.
    pub sections: Vec<SectionInput>,
    /// Sections planned (a missing one counts against quality).
    pub planned_sections: usize,
    /// Where it will live.
    pub site: Site,
    /// Now: its day is the article's date and the references' accessed date.
    pub now: DateTime<Utc>,
    /// Internal links to insert.
    pub internal_links: Vec<InternalLink>,
    /// Guard thresholds.
    pub guards: GuardConfig,
}

/// One entry of the references list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// Its number (citations link to `#ref-{number}`).
    pub number: usize,
    /// The source's title (its site or URL when it has none).
    pub title: String,
    /// The site (host without `www.`).
    pub site: String,
    /// The URL as researched.
    pub url: String,
    /// Whether the URL is linked (only `http`/`https` URLs are).
    pub linked: bool,
    /// When it was accessed.
    pub accessed: NaiveDate,
}

/// The assembled article.
#[derive(Debug, Clone, PartialEq)]
pub struct AssembledArticle {
    /// The title (the keyword prefixed when it lacked it).
    pub title: String,
    /// The URL slug (from the keyword).
    pub slug: String,
    /// Meta title, ≤ 60 characters.
    pub meta_title: String,
    /// Meta description, ≤ 160 characters, written for the keyword.
    pub meta_description: String,
    /// Excerpt (the lead's first paragraph).
    pub excerpt: String,
    /// Canonical URL, when the site's base URL is known.
    pub canonical_url: Option<String>,
    /// The body HTML, sanitized.
    pub content_html: String,
    /// The body as plain text (headings and sections, no references).
    pub content_text: String,
    /// Words of the sections.
    pub word_count: usize,
    /// Reading time, minutes.
    pub reading_time_minutes: u32,
    /// The references list.
    pub references: Vec<Reference>,
    /// The `<h2>` headings in order.
    pub outline: Vec<String>,
    /// JSON-LD `Article`.
    pub json_ld: Value,
    /// The guards.
    pub guards: GuardReport,
    /// SEO score derived from its checks and the guards.
    pub seo: Score,
    /// Quality score derived from its checks and the guards.
    pub quality: Score,
}

impl AssembledArticle {
    /// Whether every guard passes.
    #[must_use]
    pub fn publishable(&self) -> bool {
        self.guards.publishable()
    }
}

/// Escapes text for HTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Whether `text` mentions the keyword as written or in display case (`ab testing` / `A/B testing`).
fn mentions_keyword(text: &str, keyword: &str) -> bool {
    mentions(text, keyword) || mentions(text, &display_keyword(keyword))
}

fn lower_first(s: &str) -> String {
    // Keep a first word written in a fixed case ("SQL", "A/B", "B2B", "SaaS") as it is.
    let first = s.split_whitespace().next().unwrap_or("");
    if first.chars().skip(1).any(|c| c.is_uppercase() || c.is_ascii_digit() || c == '/') {
        return s.to_string();
    }
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

/// The references and, per section, the map from its citation numbers to reference numbers.
fn references(
    sections: &[SectionInput],
    accessed: NaiveDate,
) -> (Vec<Reference>, Vec<HashMap<usize, usize>>) {
    let mut refs: Vec<Reference> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut maps = Vec::with_capacity(sections.len());
    for section in sections {
        let mut map = HashMap::new();
        for n in cited_numbers(&section.html) {
            let Some(source) = n.checked_sub(1).and_then(|i| section.sources.get(i)) else { continue };
            let href = source_href(&source.url);
            let key = href.clone().unwrap_or_else(|| source.url.trim().to_lowercase());
            let number = *by_key.entry(key).or_insert_with(|| {
                let site = if href.is_some() { domain_of(&source.url) } else { String::new() };
                let title = source.title.split_whitespace().collect::<Vec<_>>().join(" ");
                let title = if !title.is_empty() {
                    title
                } else if !site.is_empty() {
                    site.clone()
                } else {
                    source.url.trim().to_string()
                };
                refs.push(Reference {
                    number: refs.len() + 1,
                    title,
                    site,
                    url: href.clone().unwrap_or_else(|| source.url.trim().to_string()),
                    linked: href.is_some(),
                    accessed,
                });
                refs.len()
            });
            map.insert(n, number);
        }
        maps.push(map);
    }
    (refs, maps)
}

/// A heading anchor, unique within the article.
fn anchor(heading: &str, used: &mut HashSet<String>) -> String {
    let base = slugify(heading);
    let mut id = base.clone();
    let mut n = 2;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// The meta description, written for the keyword: a lead-in for the intent, then the body
/// headings when they add words of their own (headings that repeat the keyword's subject would
/// only repeat it: the intent's summary is used instead), then the sources count; fitted to 160
/// characters by dropping headings. Returns it and the fix applied, if it had to be cut.
fn meta_description(
    keyword: &str,
    intent: SearchIntent,
    headings: &[String],
    sources: usize,
) -> (String, Option<String>) {
    let kw = capitalize(&display_keyword(keyword.trim()));
    let (lead, summary) = match intent {
        SearchIntent::Informational => {
            (format!("{kw} explained: "), "the essentials, why it matters and how to get started")
        }
        SearchIntent::Commercial => {
            (format!("{kw} compared: "), "what to look for, how the options differ and what they cost")
        }
        SearchIntent::Transactional => {
            (format!("{kw}: "), "plans, prices and what to check before you sign up")
        }
        SearchIntent::Navigational => {
            (format!("{kw} at a glance: "), "what it offers and where to find what you need")
        }
    };
    let tail = match (intent, sources) {
        (_, 0) => String::new(),
        (_, 1) => " Based on 1 cited source.".to_string(),
        (_, n) => format!(" Based on {n} cited sources."),
    };
    let subject = subject(keyword);
    let own: Vec<String> = headings
        .iter()
        .filter(|h| !mentions_keyword(h, keyword) && !mentions(h, &subject))
        .map(|h| lower_first(h.trim_end_matches(['.', '?', '!', ':'])))
        .collect();
    let items: Vec<String> = if own.len() >= 2 { own } else { vec![summary.to_string()] };
    let list = |items: &[String]| match items {
        [] => String::new(),
        [one] => format!("{one}."),
        [init @ .., last] => format!("{} and {last}.", init.join(", ")),
    };
    for take in (1..=items.len()).rev() {
        let with_tail = format!("{lead}{}{tail}", list(&items[..take]));
        if with_tail.chars().count() <= META_DESCRIPTION_MAX {
            return (with_tail, None);
        }
        let without = format!("{lead}{}", list(&items[..take]));
        if without.chars().count() <= META_DESCRIPTION_MAX && without.chars().count() >= META_DESCRIPTION_MIN
        {
            return (without, None);
        }
    }
    let full = format!("{lead}{}{tail}", list(&items));
    let cut = truncate_at_word(&full, META_DESCRIPTION_MAX);
    let fix = (cut != full)
        .then(|| format!("cut from {} to {} characters", full.chars().count(), cut.chars().count()));
    (cut, fix)
}

/// The sequence of heading levels in `html` (`<h2` → 2).
fn heading_levels(html: &str) -> Vec<u8> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    for i in 0..bytes.len().saturating_sub(2) {
        if bytes[i] == b'<'
            && (bytes[i + 1] == b'h' || bytes[i + 1] == b'H')
            && (b'1'..=b'6').contains(&bytes[i + 2])
        {
            out.push(bytes[i + 2] - b'0');
        }
    }
    out
}

/// The text of the first `<p>` of `html`.
fn first_paragraph(html: &str) -> String {
    super::plan::paragraphs(html).into_iter().find(|p| !p.is_empty()).unwrap_or_default()
}

/// Assembles an article (see the [module docs](self)).
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn assemble(input: &AssemblyInput) -> AssembledArticle {
    let keyword = input.keyword.trim();
    let accessed = input.now.date_naive();
    let mut results = Vec::new();

    // Title.
    let tidy_title = input.title.split_whitespace().collect::<Vec<_>>().join(" ");
    let (title, title_fix) = if mentions_keyword(&tidy_title, keyword) || keyword.is_empty() {
        (tidy_title, None)
    } else if tidy_title.is_empty() {
        (capitalize(&display_keyword(keyword)), Some("the keyword became the title".to_string()))
    } else {
        (
            format!("{}: {tidy_title}", capitalize(&display_keyword(keyword))),
            Some("the keyword was prefixed".to_string()),
        )
    };

    // References and citations.
    let (references, maps) = references(&input.sections, accessed);
    let mut dangling = 0;
    let mut cited = 0;
    let mut used_ids = HashSet::from(["references".to_string(), "related-articles".to_string()]);
    let mut lead_html = String::new();
    let mut sections_html = String::new();
    let mut text = String::new();
    let mut headings = Vec::new();
    let mut toc = Vec::new();
    let mut facts = Vec::new();
    let mut short_sections = Vec::new();
    for (section, map) in input.sections.iter().zip(&maps) {
        let numbers = cited_numbers(&section.html);
        cited += numbers.len();
        let (html, removed) = link_citations(&section.html, |n| map.get(&n).copied());
        dangling += removed;
        let section_text = strip_citations(&html_to_text(&section.html));
        let words = word_count(&section_text);
        let min = match section.role {
            SectionRole::Body => input.guards.min_section_words,
            SectionRole::Lead | SectionRole::Conclusion => input.guards.min_section_words / 2,
        };
        if words < min {
            short_sections.push(format!(
                "{} ({words} words)",
                if section.heading.is_empty() { "lead" } else { &section.heading }
            ));
        }
        facts.push(SectionFacts {
            completed: true,
            citations: numbers.iter().filter(|n| map.contains_key(n)).count(),
            cited_domains: numbers
                .iter()
                .filter_map(|n| map.get(n))
                .filter_map(|r| references.get(r - 1))
                .map(|r| r.site.clone())
                .collect(),
        });
        if section.role == SectionRole::Lead {
            lead_html.push_str(&html);
            lead_html.push('\n');
        } else {
            let id = anchor(&section.heading, &mut used_ids);
            sections_html.push_str(&format!("<h2 id=\"{id}\">{}</h2>\n{html}\n", escape(&section.heading)));
            toc.push(format!("<li><a href=\"#{id}\">{}</a></li>", escape(&section.heading)));
            headings.push(section.heading.clone());
            text.push_str(&section.heading);
            text.push_str(".\n");
        }
        text.push_str(&section_text);
        text.push('\n');
    }
    let text = text.trim().to_string();

    // The body.
    let mut body = lead_html.clone();
    if toc.len() >= 3 {
        body.push_str(&format!(
            "<nav class=\"toc\">\n<p><strong>In this article</strong></p>\n<ol>\n{}\n</ol>\n</nav>\n",
            toc.join("\n")
        ));
    }
    body.push_str(&sections_html);
    if !input.internal_links.is_empty() {
        body.push_str("<aside class=\"related\">\n<h2 id=\"related-articles\">Related articles</h2>\n<ul>\n");
        for link in &input.internal_links {
            let label = match link.relation {
                LinkRelation::Hub => "The complete overview: ",
                LinkRelation::Spoke => "In depth: ",
                LinkRelation::Sibling => "See also: ",
            };
            body.push_str(&format!(
                "<li>{label}<a href=\"{}\">{}</a></li>\n",
                escape(&link.href),
                escape(&capitalize(&display_keyword(&link.anchor)))
            ));
        }
        body.push_str("</ul>\n</aside>\n");
    }
    if !references.is_empty() {
        body.push_str("<h2 id=\"references\">References</h2>\n<ol class=\"references\">\n");
        for r in &references {
            let name = if r.linked {
                format!("<a href=\"{}\" rel=\"nofollow noopener\">{}</a>", escape(&r.url), escape(&r.title))
            } else {
                escape(&r.title)
            };
            let site = if r.site.is_empty() || r.site.eq_ignore_ascii_case(&r.title) {
                String::new()
            } else {
                format!(", {}", escape(&r.site))
            };
            body.push_str(&format!(
                "<li id=\"ref-{}\">{name}{site}. Accessed {}.</li>\n",
                r.number,
                r.accessed.format("%B %-d, %Y")
            ));
        }
        body.push_str("</ol>\n");
    }
    let content_html = sanitize_document(&body);

    // Guards.
    results.push(GuardResult::new(
        "sources",
        references.len() >= input.guards.min_sources.max(1),
        format!(
            "{} distinct sources cited, at least {} needed",
            references.len(),
            input.guards.min_sources.max(1)
        ),
    ));
    results.push(
        GuardResult::new("citations_resolve", true, format!("{cited} citations, {dangling} dangling"))
            .fixed((dangling > 0).then(|| format!("removed {dangling} citations of no source"))),
    );
    let levels = heading_levels(&content_html);
    let h2 = levels.iter().filter(|l| **l == 2).count();
    let mut previous = 1;
    let skipped = levels.iter().any(|l| {
        let skip = *l > previous + 1;
        previous = *l;
        skip
    });
    let demoted: usize = input.sections.iter().map(|s| s.headings_demoted).sum();
    results.push(
        GuardResult::new(
            "heading_structure",
            !levels.contains(&1) && h2 >= 2 && !skipped,
            format!(
                "{} h1 in the body, {h2} h2{}",
                levels.iter().filter(|l| **l == 1).count(),
                if skipped { ", a level skipped" } else { "" }
            ),
        )
        .fixed((demoted > 0).then(|| format!("demoted {demoted} model headings below h2"))),
    );
    results.push(
        GuardResult::new("keyword_in_title", mentions_keyword(&title, keyword), format!("title: {title}"))
            .fixed(title_fix),
    );
    let first = first_paragraph(&content_html);
    results.push(GuardResult::new(
        "keyword_in_first_paragraph",
        mentions_keyword(&first, keyword),
        format!("first paragraph: {}", truncate_at_word(&first, 80)),
    ));
    let subject = subject(keyword);
    let in_heading = headings.iter().any(|h| mentions_keyword(h, keyword) || mentions(h, &subject));
    results.push(GuardResult::new(
        "keyword_in_heading",
        in_heading,
        format!(
            "{} of {} headings",
            headings.iter().filter(|h| mentions_keyword(h, keyword) || mentions(h, &subject)).count(),
            headings.len()
        ),
    ));
    let words = word_count(&text);
    let occurrences =
        keyword_occurrences(&text, keyword).max(keyword_occurrences(&text, &display_keyword(keyword)));
    let density = if words == 0 { 0.0 } else { occurrences as f64 / words as f64 * 100.0 };
    let (low, high) = input.guards.keyword_density;
    results.push(GuardResult::new(
        "keyword_density",
        density >= low && density <= high,
        format!("{density:.2}% ({occurrences} uses in {words} words; range {low}–{high}%)"),
    ));
    let meta_title = truncate_at_word(&title, META_TITLE_MAX);
    let title_len = title.chars().count();
    results.push(
        GuardResult::new(
            "meta_title_length",
            !meta_title.is_empty(),
            format!("{} characters", meta_title.chars().count()),
        )
        .fixed((meta_title != title).then(|| format!("cut from {title_len} characters at a word boundary"))),
    );
    let body_headings: Vec<String> =
        input.sections.iter().filter(|s| s.role == SectionRole::Body).map(|s| s.heading.clone()).collect();
    let (meta_description, description_fix) =
        meta_description(keyword, input.intent, &body_headings, references.len());
    let md = meta_description.chars().count();
    results.push(
        GuardResult::new(
            "meta_description_length",
            (META_DESCRIPTION_MIN..=META_DESCRIPTION_MAX).contains(&md),
            format!("{md} characters"),
        )
        .fixed(description_fix),
    );
    let language = whatlang::detect(&text).map(|i| i.lang().code().to_string());
    let english = match language.as_deref() {
        Some("eng") => true,
        Some(_) => false,
        None => input.site.language.is_empty() || input.site.language.starts_with("en"),
    };
    let ease = flesch_reading_ease(&strip_citations(&text));
    results.push(match (english, ease) {
        (true, Some(e)) => GuardResult::new(
            "reading_ease",
            e >= input.guards.min_reading_ease,
            format!("Flesch reading ease {e:.0} (at least {:.0})", input.guards.min_reading_ease),
        ),
        (true, None) => GuardResult::new("reading_ease", false, "no text to read"),
        (false, e) => GuardResult::new(
            "reading_ease",
            true,
            format!(
                "language {}: reported only (Flesch {})",
                language.as_deref().unwrap_or("unknown"),
                e.map_or("-".to_string(), |e| format!("{e:.0}"))
            ),
        ),
    });
    results.push(GuardResult::new(
        "section_words",
        short_sections.is_empty() && !input.sections.is_empty(),
        if input.sections.is_empty() {
            "no sections".to_string()
        } else if short_sections.is_empty() {
            format!("every section has at least {} words", input.guards.min_section_words)
        } else {
            format!("too short: {}", short_sections.join(", "))
        },
    ));
    let guards = GuardReport { results };

    // Meta, canonical, scores, JSON-LD.
    let slug = slugify(keyword);
    let canonical_url = input
        .site
        .base_url
        .as_deref()
        .and_then(|b| url::Url::parse(&if b.ends_with('/') { b.to_string() } else { format!("{b}/") }).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .and_then(|u| u.join(&format!("{slug}/")).ok())
        .map(String::from);
    let excerpt = truncate_at_word(&strip_citations(&first), super::plan::EXCERPT_MAX);
    let seo = seo_score(&SeoInput {
        focus_keyword: keyword,
        title: &title,
        meta_title: &meta_title,
        meta_description: &meta_description,
        slug: &slug,
        first_paragraph: &first,
        headings: headings.len(),
        word_count: words,
    });
    let quality =
        quality_score(&facts, input.planned_sections.max(input.sections.len()), &strip_citations(&text));
    let (seo, quality) = derive_scores(seo, quality, &guards);
    let organization = input.site.name.as_ref().map(|name| {
        let mut org = json!({ "@type": "Organization", "name": name });
        if let Some(base) = &input.site.base_url {
            org["url"] = json!(base);
        }
        org
    });
    let mut json_ld = json!({
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": truncate_at_word(&title, 110),
        "description": meta_description,
        "inLanguage": if input.site.language.is_empty() { "en" } else { input.site.language.as_str() },
        // Dates, not times: an article resumed minutes later (another worker, a retry) assembles
        // to the same page.
        "datePublished": accessed.format("%Y-%m-%d").to_string(),
        "dateModified": accessed.format("%Y-%m-%d").to_string(),
        "keywords": keyword,
        "wordCount": words,
        "citation": references.iter().map(|r| {
            let mut c = json!({ "@type": "CreativeWork", "name": r.title });
            if r.linked { c["url"] = json!(r.url); }
            c
        }).collect::<Vec<_>>(),
    });
    if let Some(org) = organization {
        json_ld["author"] = org.clone();
        json_ld["publisher"] = org;
    }
    if let Some(url) = &canonical_url {
        json_ld["mainEntityOfPage"] = json!({ "@type": "WebPage", "@id": url });
        json_ld["url"] = json!(url);
    }
    AssembledArticle {
        title,
        slug,
        meta_title,
        meta_description,
        excerpt,
        canonical_url,
        content_html,
        content_text: text,
        word_count: words,
        reading_time_minutes: reading_time_minutes(words),
        references,
        outline: headings,
        json_ld,
        guards,
        seo,
        quality,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::render::render_section;
    use proptest::prelude::*;

    fn source(url: &str, title: &str) -> Source {
        Source { url: url.into(), title: title.into(), content: String::new(), score: 0.5 }
    }

    fn section(role: SectionRole, heading: &str, markdown: &str, sources: Vec<Source>) -> SectionInput {
        let r = render_section(markdown, false).unwrap();
        SectionInput {
            role,
            heading: heading.into(),
            html: r.html,
            sources,
            headings_demoted: r.headings_demoted,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-05-04T10:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn input(sections: Vec<SectionInput>) -> AssemblyInput {
        AssemblyInput {
            keyword: "customer retention".into(),
            intent: SearchIntent::Informational,
            title: "Customer retention: what it is and how to get it right".into(),
            planned_sections: sections.len(),
            sections,
            site: Site {
                name: Some("Northwind".into()),
                base_url: Some("https://northwind.example/blog".into()),
                language: "en".into(),
            },
            now: now(),
            internal_links: vec![InternalLink {
                anchor: "churn reduction".into(),
                href: "/churn-reduction/".into(),
                relation: LinkRelation::Spoke,
            }],
            guards: GuardConfig::default(),
        }
    }

    const SENTENCES: &str = "Customer retention is the share of customers who stay with a business over a period. \
        Keeping a customer costs less than winning a new one, so small gains in retention add up over the years. \
        Good onboarding and quick support answers are the most reliable ways to keep customers.";

    fn good() -> AssemblyInput {
        let a = source("https://a.example/retention", "Retention basics");
        let b = source("https://www.b.example/churn", "");
        let evil = source("javascript:alert(1)", "Evil");
        input(vec![
            section(
                SectionRole::Lead,
                "Introduction",
                &format!("Customer retention matters [1]. {SENTENCES}"),
                vec![a.clone()],
            ),
            section(
                SectionRole::Body,
                "What customer retention means",
                &format!("{SENTENCES} [1][2]\n\n{SENTENCES} [9]"),
                vec![a.clone(), b.clone()],
            ),
            section(
                SectionRole::Body,
                "How to improve retention",
                &format!("# Steps\n\n{SENTENCES} [2] [3]"),
                vec![a, b, evil],
            ),
            section(
                SectionRole::Conclusion,
                "Key takeaways",
                &format!("{SENTENCES} [1]"),
                vec![source("https://b.example/churn/", "Churn")],
            ),
        ])
    }

    #[test]
    fn a_complete_article_with_linked_deduplicated_references() {
        let a = assemble(&good());
        assert!(a.publishable(), "{:?}", a.guards.failures());
        // a.example once, b.example (untitled: its site) once, the javascript: source unlinked,
        // and the conclusion's differently written b.example URL is its own entry.
        let titles: Vec<(&str, bool)> = a.references.iter().map(|r| (r.title.as_str(), r.linked)).collect();
        assert_eq!(
            titles,
            vec![("Retention basics", true), ("b.example", true), ("Evil", false), ("Churn", true)]
        );
        assert!(
            a.content_html
                .contains("<sup class=\"cite\"><a href=\"#ref-2\" title=\"Source 2\">[2]</a></sup>")
        );
        assert!(a.content_html.contains("<li id=\"ref-1\"><a href=\"https://a.example/retention\" rel=\"nofollow noopener\">Retention basics</a>, a.example. Accessed May 4, 2026.</li>"), "{}", a.content_html);
        assert!(a.content_html.contains("<li id=\"ref-3\">Evil. Accessed"));
        assert!(!a.content_html.contains("javascript"));
        assert!(!a.content_html.contains("[9]"));
        let fixes = a.guards.fixes();
        assert!(fixes.iter().any(|f| f.starts_with("citations_resolve: removed 1")), "{fixes:?}");
        assert!(fixes.iter().any(|f| f.starts_with("heading_structure: demoted 1")), "{fixes:?}");
        assert!(a.content_html.starts_with("<p>Customer retention matters"), "{}", a.content_html);
        assert!(a.content_html.contains("<nav class=\"toc\">"));
        assert!(
            a.content_html
                .contains("<h2 id=\"what-customer-retention-means\">What customer retention means</h2>")
        );
        assert!(a.content_html.contains("<a href=\"/churn-reduction/\">Churn reduction</a>"));
        assert_eq!(a.canonical_url.as_deref(), Some("https://northwind.example/blog/customer-retention/"));
        assert_eq!(a.slug, "customer-retention");
        assert!(a.meta_title.chars().count() <= META_TITLE_MAX);
        assert_eq!(
            a.meta_description,
            "Customer retention explained: the essentials, why it matters and how to get started. Based on 4 cited sources."
        );
        assert_eq!(a.json_ld["@type"], "Article");
        assert_eq!(a.json_ld["author"]["name"], "Northwind");
        assert_eq!(a.json_ld["datePublished"], "2026-05-04");
        assert_eq!(a.json_ld["citation"].as_array().unwrap().len(), 4);
        assert_eq!(
            a.json_ld["mainEntityOfPage"]["@id"],
            "https://northwind.example/blog/customer-retention/"
        );
        assert!(a.seo.total > 70.0 && a.quality.total > 60.0, "{:?} {:?}", a.seo, a.quality);
        assert_eq!(
            a.outline,
            vec!["What customer retention means", "How to improve retention", "Key takeaways"]
        );
    }

    #[test]
    fn zero_sources_is_not_publishable_and_cannot_score_high() {
        let mut i = good();
        for s in &mut i.sections {
            s.sources.clear();
        }
        let a = assemble(&i);
        assert!(!a.publishable());
        assert!(
            a.guards.failures()[0].starts_with("sources: 0 distinct sources"),
            "{:?}",
            a.guards.failures()
        );
        assert!(a.seo.total <= 40.0 && a.quality.total <= 40.0);
        assert!(!a.content_html.contains("References"));
    }

    #[test]
    fn guards_fail_with_reasons_and_fix_what_is_safe() {
        let mut i = good();
        i.title = "A very long title that says nothing about the topic and goes on for far too long".into();
        i.sections[2].html = "<p>Too short [1].</p>".into();
        let a = assemble(&i);
        assert!(a.title.starts_with("Customer retention: A very long"), "{}", a.title);
        assert!(a.meta_title.chars().count() <= META_TITLE_MAX);
        let fixes = a.guards.fixes();
        assert!(
            fixes.iter().any(|f| f.starts_with("keyword_in_title"))
                && fixes.iter().any(|f| f.starts_with("meta_title_length"))
        );
        assert_eq!(a.guards.failures(), vec!["section_words: too short: How to improve retention (2 words)"]);
        let stuffed = input(vec![
            section(
                SectionRole::Lead,
                "",
                "Customer retention customer retention customer retention [1].",
                vec![source("https://a.example", "A")],
            ),
            section(
                SectionRole::Body,
                "Customer retention",
                "Customer retention, customer retention [1].",
                vec![source("https://a.example", "A")],
            ),
        ]);
        let a = assemble(&stuffed);
        let failed: Vec<String> = a.guards.failures();
        assert!(failed.iter().any(|f| f.starts_with("keyword_density")), "{failed:?}");
        let mut lead_only = input(vec![section(
            SectionRole::Lead,
            "",
            &format!("{SENTENCES} [1]"),
            vec![source("https://a.example", "A")],
        )]);
        lead_only.internal_links.clear();
        let failed = assemble(&lead_only).guards.failures();
        assert!(
            failed.iter().any(|f| f.starts_with("heading_structure: 0 h1 in the body, 1 h2")),
            "{failed:?}"
        );
    }

    #[test]
    fn meta_descriptions_fit_every_intent() {
        let long: Vec<String> =
            (0..12).map(|i| format!("A rather long heading number {i} about many things")).collect();
        for intent in [
            SearchIntent::Informational,
            SearchIntent::Commercial,
            SearchIntent::Transactional,
            SearchIntent::Navigational,
        ] {
            for headings in [&long[..], &long[..1], &[][..]] {
                let (d, _) = meta_description("ab testing", intent, headings, 3);
                assert!(d.chars().count() <= META_DESCRIPTION_MAX, "{d}");
                assert!(d.starts_with("A/B testing"), "{d}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn assembly_is_total_and_safe(
            keyword in "\\PC{0,30}",
            title in "\\PC{0,120}",
            bodies in proptest::collection::vec(("\\PC{0,40}", "\\PC{0,200}", 0usize..4), 0..5),
            base in proptest::option::of("\\PC{0,30}"),
        ) {
            let sections: Vec<SectionInput> = bodies
                .iter()
                .enumerate()
                .map(|(i, (heading, md, n))| SectionInput {
                    role: if i == 0 { SectionRole::Lead } else { SectionRole::Body },
                    heading: heading.clone(),
                    html: render_section(md, false).map(|r| r.html).unwrap_or_default(),
                    sources: (0..*n).map(|k| source(&format!("https://s{k}.example/{i}"), heading)).collect(),
                    headings_demoted: 0,
                })
                .collect();
            let mut i = input(sections);
            i.keyword = keyword;
            i.title = title;
            i.site.base_url = base;
            let a = assemble(&i);
            prop_assert!(a.meta_title.chars().count() <= META_TITLE_MAX);
            prop_assert!(a.meta_description.chars().count() <= META_DESCRIPTION_MAX);
            let lower = a.content_html.to_lowercase();
            prop_assert!(!lower.contains("<script") && !lower.contains("javascript:") && !lower.contains("<iframe"));
            for r in &a.references {
                let id = format!("id=\"ref-{}\"", r.number);
                prop_assert!(a.content_html.contains(&id));
            }
            for part in a.content_html.split("href=\"#ref-").skip(1) {
                let n: usize = part.split('"').next().unwrap_or("").parse().unwrap_or(0);
                prop_assert!(n >= 1 && n <= a.references.len(), "dangling #ref-{}", n);
            }
            if a.references.is_empty() {
                prop_assert!(!a.publishable() && a.seo.total <= 40.0 && a.quality.total <= 40.0);
            }
            prop_assert!(a.json_ld["@type"] == "Article");
        }
    }
}
