//! Article planning rules: the outline, and the meta fields cut to their limits at a word
//! boundary.

use super::intent::{body_headings, conclusion_heading, display_keyword, title_fits, title_for};
use crate::keyword::SearchIntent;
use serde::{Deserialize, Serialize};

/// The longest meta title, in characters.
pub const META_TITLE_MAX: usize = 60;
/// The longest meta description, in characters.
pub const META_DESCRIPTION_MAX: usize = 160;
/// The longest excerpt, in characters.
pub const EXCERPT_MAX: usize = 300;

/// What a section is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionRole {
    /// The lead: the opening paragraphs, shown without a heading.
    Lead,
    /// A body section under its `<h2>`.
    #[default]
    Body,
    /// The conclusion, last, under its `<h2>`.
    Conclusion,
}

/// One planned section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedSection {
    /// The heading.
    pub heading: String,
    /// The web research query for the section.
    pub research_query: String,
    /// What the section is for (outlines stored before roles existed read as all body).
    #[serde(default)]
    pub role: SectionRole,
}

impl PlannedSection {
    /// A body section.
    #[must_use]
    pub fn body(heading: impl Into<String>, research_query: impl Into<String>) -> Self {
        Self { heading: heading.into(), research_query: research_query.into(), role: SectionRole::Body }
    }
}

/// An article outline: a title and its sections in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outline {
    /// The article title.
    pub title: String,
    /// The sections.
    pub sections: Vec<PlannedSection>,
}

/// Collapses whitespace and trims.
fn tidy(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Headings a model proposes for its own introduction or conclusion, which the outline replaces
/// with its lead and conclusion.
fn is_frame_heading(heading: &str) -> bool {
    let h = heading.to_lowercase();
    [
        "introduction",
        "intro",
        "conclusion",
        "summary",
        "final thoughts",
        "key takeaways",
        "wrapping up",
        "in closing",
    ]
    .iter()
    .any(|p| h.starts_with(p))
}

/// Builds a usable outline from a model's proposal, for a keyword of `intent`:
///
/// - the title is the model's when it [fits the intent](super::intent::title_fits) (contains the
///   keyword; a transactional one promises no guide), else [`title_for`](super::intent::title_for);
/// - a lead (no heading, researched on the keyword), the body sections, and a conclusion whose
///   heading fits the intent, at most `max_sections` in all (at least 3);
/// - body headings tidied; blank, repeated and introduction/conclusion headings dropped; a missing
///   research query becomes `"{keyword} {heading}"`. When fewer than two usable body sections
///   remain, the body falls back to the intent's headings around one section per subtopic.
#[must_use]
pub fn plan_outline(
    keyword: &str,
    intent: SearchIntent,
    proposed_title: &str,
    proposed: &[PlannedSection],
    subtopics: &[String],
    max_sections: usize,
) -> Outline {
    let max_body = max_sections.max(3) - 2;
    let mut seen = std::collections::HashSet::new();
    let mut body: Vec<PlannedSection> = proposed
        .iter()
        .filter_map(|s| {
            let heading = tidy(&s.heading);
            if heading.is_empty() || is_frame_heading(&heading) || !seen.insert(heading.to_lowercase()) {
                return None;
            }
            let query = tidy(&s.research_query);
            let research_query = if query.is_empty() { format!("{keyword} {heading}") } else { query };
            Some(PlannedSection::body(heading, research_query))
        })
        .collect();
    if body.len() < 2 {
        body = fallback_sections(keyword, intent, subtopics);
    }
    body.truncate(max_body);
    let title = tidy(proposed_title);
    let title = if title_fits(&title, keyword, intent) { title } else { title_for(keyword, intent) };
    let mut sections = vec![PlannedSection {
        heading: "Introduction".to_string(),
        research_query: keyword.trim().to_string(),
        role: SectionRole::Lead,
    }];
    sections.extend(body);
    let closing = match intent {
        SearchIntent::Transactional => "pricing plans",
        SearchIntent::Commercial => "comparison checklist",
        SearchIntent::Informational | SearchIntent::Navigational => "best practices",
    };
    sections.push(PlannedSection {
        heading: conclusion_heading(intent).to_string(),
        research_query: format!("{} {closing}", keyword.trim()),
        role: SectionRole::Conclusion,
    });
    Outline { title, sections }
}

fn fallback_sections(keyword: &str, intent: SearchIntent, subtopics: &[String]) -> Vec<PlannedSection> {
    let mut headings = body_headings(keyword, intent).into_iter();
    let mut out: Vec<PlannedSection> =
        headings.next().map(|h| PlannedSection::body(h, format!("{keyword} overview"))).into_iter().collect();
    let mut seen: std::collections::HashSet<String> = out.iter().map(|s| s.heading.to_lowercase()).collect();
    for s in subtopics {
        let heading = capitalize(&display_keyword(&tidy(s)));
        if !heading.is_empty() && seen.insert(heading.to_lowercase()) {
            out.push(PlannedSection::body(heading, format!("{keyword} {}", tidy(s))));
        }
    }
    for h in headings {
        if seen.insert(h.to_lowercase()) {
            out.push(PlannedSection::body(h.clone(), format!("{keyword} {h}")));
        }
    }
    out
}

/// The first letter upper-cased.
#[must_use]
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Cuts `text` (whitespace tidied) to at most `max` characters at a word boundary; a single word
/// longer than `max` is cut inside. Nothing is added (no ellipsis).
///
/// ```
/// use infin8_core::article::plan::truncate_at_word;
/// assert_eq!(truncate_at_word("the quick brown fox", 12), "the quick");
/// assert_eq!(truncate_at_word("short", 60), "short");
/// ```
#[must_use]
pub fn truncate_at_word(text: &str, max: usize) -> String {
    let text = tidy(text);
    if text.chars().count() <= max {
        return text;
    }
    let mut out = String::new();
    for word in text.split(' ') {
        let extra = if out.is_empty() { 0 } else { 1 };
        if out.chars().count() + extra + word.chars().count() > max {
            break;
        }
        if extra == 1 {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(max).collect();
    }
    out.trim_end_matches([',', ';', ':', '-', '–', '—']).trim_end().to_string()
}

/// The meta title: the title cut to [`META_TITLE_MAX`] at a word boundary.
#[must_use]
pub fn meta_title(title: &str) -> String {
    truncate_at_word(title, META_TITLE_MAX)
}

/// The meta description: the text (usually the excerpt) cut to [`META_DESCRIPTION_MAX`] at a word
/// boundary; when the focus keyword does not occur in the cut text, it is `"{keyword}: {text}"`
/// cut again.
#[must_use]
pub fn meta_description(text: &str, focus_keyword: &str) -> String {
    let cut = truncate_at_word(text, META_DESCRIPTION_MAX);
    if focus_keyword.is_empty() || cut.to_lowercase().contains(&focus_keyword.to_lowercase()) {
        cut
    } else {
        truncate_at_word(&format!("{}: {text}", capitalize(focus_keyword)), META_DESCRIPTION_MAX)
    }
}

/// The text of HTML: tags removed, the common entities decoded, whitespace tidied.
#[must_use]
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    tidy(&out)
}

/// The excerpt: the text of the first paragraph with words (citation markers `[n]` removed), cut
/// to [`EXCERPT_MAX`] at a word boundary.
#[must_use]
pub fn excerpt(html: &str) -> String {
    let first = paragraphs(html).into_iter().find(|t| !t.is_empty()).unwrap_or_else(|| html_to_text(html));
    truncate_at_word(&strip_citations(&first), EXCERPT_MAX)
}

/// The text of each `<p>` element, in order.
#[must_use]
pub fn paragraphs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<p") {
        let after = &rest[start + 2..];
        // `<p>` or `<p class=…>`, not `<pre>`.
        if !after.starts_with('>') && !after.starts_with(' ') {
            rest = after;
            continue;
        }
        let Some(open_end) = after.find('>') else { break };
        let body = &after[open_end + 1..];
        let end = body.find("</p>").unwrap_or(body.len());
        out.push(html_to_text(&body[..end]));
        rest = &body[end..];
    }
    out
}

/// Removes citation markers like `[1]` or `[2][3]`.
#[must_use]
pub fn strip_citations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        let after = &rest[start + 1..];
        match after.find(']') {
            Some(end) if end > 0 && after[..end].chars().all(|c| c.is_ascii_digit()) => {
                out.push_str(&rest[..start]);
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[..=start]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    tidy(&out.replace(" .", ".").replace(" ,", ","))
}

/// The numbers cited in a text as `[n]`, in order of first appearance, each once.
#[must_use]
pub fn citations(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        let after = &rest[start + 1..];
        if let Some(end) = after.find(']')
            && let Ok(n) = after[..end].parse::<usize>()
        {
            if !out.contains(&n) {
                out.push(n);
            }
            rest = &after[end + 1..];
        } else {
            rest = after;
        }
    }
    out
}

/// Rewrites citation markers `[n]` with `map(n)`; markers `map` returns `None` for are removed.
#[must_use]
pub fn renumber_citations(text: &str, map: impl Fn(usize) -> Option<usize>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        let after = &rest[start + 1..];
        if let Some(end) = after.find(']')
            && let Ok(n) = after[..end].parse::<usize>()
        {
            out.push_str(&rest[..start]);
            if let Some(m) = map(n) {
                out.push_str(&format!("[{m}]"));
            }
            rest = &after[end + 1..];
        } else {
            out.push_str(&rest[..=start]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ps(h: &str, q: &str) -> PlannedSection {
        PlannedSection::body(h, q)
    }

    #[test]
    fn outline_tidies_dedupes_fills_queries_and_frames() {
        let o = plan_outline(
            "crm",
            SearchIntent::Commercial,
            " Best  CRM ",
            &[
                ps("Intro", ""),
                ps("Setup", ""),
                ps("setup", "x"),
                ps(" Pricing ", "crm price"),
                ps("Conclusion", ""),
            ],
            &[],
            8,
        );
        assert_eq!(o.title, "Best CRM");
        let roles: Vec<SectionRole> = o.sections.iter().map(|s| s.role).collect();
        assert_eq!(
            roles,
            vec![SectionRole::Lead, SectionRole::Body, SectionRole::Body, SectionRole::Conclusion]
        );
        assert_eq!(o.sections[1..3], [ps("Setup", "crm Setup"), ps("Pricing", "crm price")]);
        assert_eq!(o.sections[3].heading, "Which option fits you");
    }

    #[test]
    fn outline_falls_back_by_intent_within_the_limit() {
        let subs: Vec<String> =
            ["pricing", "setup", "integrations", "security"].iter().map(|s| (*s).into()).collect();
        let o = plan_outline(
            "crm pricing",
            SearchIntent::Transactional,
            "Crm pricing: a practical guide",
            &[ps("only one", "")],
            &subs,
            5,
        );
        assert_eq!(o.title, "CRM pricing: plans, costs and how to start");
        assert_eq!(o.sections.len(), 5);
        assert_eq!(o.sections[1].heading, "Plans and what they include");
        assert_eq!(o.sections[2].heading, "Pricing");
        assert_eq!(o.sections[4].role, SectionRole::Conclusion);
        let tiny = plan_outline("crm", SearchIntent::Informational, "", &[], &[], 1);
        assert_eq!(tiny.sections.len(), 3);
    }

    #[test]
    fn meta_fields_respect_limits_at_word_boundaries() {
        let long = "word ".repeat(50);
        assert!(meta_title(&long).chars().count() <= META_TITLE_MAX);
        assert!(!meta_title(&long).ends_with(' '));
        let d = meta_description("A guide to tools for small teams.", "crm software");
        assert!(d.starts_with("Crm software: "));
        assert_eq!(meta_description("All about crm software.", "crm software"), "All about crm software.");
    }

    #[test]
    fn citations_and_excerpt() {
        assert_eq!(citations("a [2] b [1][2] [x] [10]"), vec![2, 1, 10]);
        assert_eq!(strip_citations("Fact [1]. More [2][3]."), "Fact. More.");
        assert_eq!(excerpt("<h2>T</h2><p>First <b>para</b> [1].</p><p>Second</p>"), "First para.");
        assert_eq!(paragraphs("<pre>x</pre><p class=\"a\">A</p><p>B"), vec!["A", "B"]);
    }

    #[test]
    fn renumbering() {
        let r = renumber_citations("a [1] b [2] c [9] [x]", |n| if n <= 2 { Some(n + 3) } else { None });
        assert_eq!(r, "a [4] b [5] c  [x]");
    }

    proptest! {
        #[test]
        fn truncation_never_exceeds(s in "\\PC{0,400}", max in 1usize..200) {
            let t = truncate_at_word(&s, max);
            prop_assert!(t.chars().count() <= max);
        }
    }
}
