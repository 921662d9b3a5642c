//! The offline writer behind the scripted model's `"section"` task: extractive, not generative.
//!
//! It reads the numbered sources listed in the prompt (`[n] title — url` and the excerpt lines
//! below), splits their excerpts into whole sentences, keeps the ones that read on their own (a
//! capital first letter, a final full stop, 6 to 45 words, no leading "It"/"This"), and ranks them
//! by the words they share with the section's heading and the focus keyword (a word of the source's
//! title counting half), each word weighted by how rare it is among the candidates. Sentences off the topic (sharing no word with either) and
//! sentences that earlier sections (given in the prompt) already quoted are left out. The best ones become Markdown paragraphs, each sentence
//! followed by the number of the source it was quoted from. Nothing is invented: every sentence of
//! the body is a real sentence of a cited source. The lead opens with one framing sentence saying
//! that the draft is offline and quoted; a section with no usable source says so instead of
//! writing filler (and is then too short for the article guards). The conclusion lists its key
//! takeaways, and may come back to sentences quoted earlier once nothing new is left.

use super::text::content_words;
use std::collections::HashSet;

/// Heading words that name no topic ("Why X matters", "Getting started with X").
const GENERIC_HEADING_WORDS: &[&str] = &[
    "means",
    "meaning",
    "matters",
    "matter",
    "works",
    "work",
    "practice",
    "getting",
    "started",
    "start",
    "common",
    "mistakes",
    "measuring",
    "results",
    "introduction",
    "conclusion",
    "key",
    "takeaways",
    "next",
    "steps",
    "summary",
    "option",
    "options",
    "fits",
    "look",
    "leading",
    "compare",
    "questions",
    "ask",
    "choosing",
    "before",
    "check",
    "sign",
    "first",
    "week",
    "quickly",
    "value",
    "guide",
    "overview",
    "basics",
    "case",
    "include",
    "drives",
    "setting",
    "getting",
    "find",
    "need",
    "offers",
    "buying",
];

/// One sentence of a source.
#[derive(Debug, Clone)]
struct Candidate {
    source: u32,
    position: usize,
    text: String,
    words: HashSet<String>,
    /// Words of its source's title: what the whole document is about.
    title_words: HashSet<String>,
}

/// A source listed in the prompt.
#[derive(Debug, Clone, Default)]
struct ListedSource {
    number: u32,
    title: String,
    text: String,
}

/// The value of a `Label: value` line of the prompt (case-insensitive label).
fn field(prompt: &str, label: &str) -> Option<String> {
    let label = label.to_lowercase();
    prompt.lines().find_map(|l| {
        let t = l.trim();
        let head = t.get(..label.len())?;
        (head.to_lowercase() == label).then(|| t.get(label.len()..).unwrap_or("").trim().to_string())
    })
}

/// The text of the earlier sections, given after an `Earlier sections` line until `Sources:`.
fn earlier(prompt: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in prompt.lines() {
        let t = line.trim();
        if t.to_lowercase().starts_with("earlier sections") {
            inside = true;
        } else if t.to_lowercase().starts_with("sources:") {
            inside = false;
        } else if inside {
            out.push_str(t);
            out.push(' ');
        }
    }
    out
}

/// The sources listed as `[n] …` lines, with the lines below each as its text.
fn listed_sources(prompt: &str) -> Vec<ListedSource> {
    let mut out: Vec<ListedSource> = Vec::new();
    let mut current: Option<ListedSource> = None;
    for line in prompt.lines() {
        let t = line.trim();
        let number = t
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .filter(|(n, _)| (1..=4).contains(&n.len()))
            .and_then(|(n, _)| n.parse::<u32>().ok())
            .filter(|n| *n > 0);
        if let Some(number) = number {
            out.extend(current.take());
            let rest = t.split_once(']').map_or("", |(_, r)| r);
            let title = rest.rsplit_once(" — ").map_or(rest, |(title, _)| title).trim().to_string();
            current = Some(ListedSource { number, title, text: String::new() });
        } else if let Some(c) = current.as_mut() {
            if t.starts_with("Write ") || t.is_empty() && !c.text.is_empty() {
                out.extend(current.take());
            } else {
                c.text.push(' ');
                c.text.push_str(t);
            }
        }
    }
    out.extend(current);
    let mut seen = HashSet::new();
    out.retain(|s| seen.insert(s.number));
    out
}

/// Whole sentences of a text (ellipses marking cut text dropped with the fragments they mark).
fn sentences(text: &str) -> Vec<String> {
    let text = text.trim().trim_start_matches('…').trim_end_matches('…');
    let mut out = Vec::new();
    let mut current = String::new();
    let tokens: Vec<&str> = text.split_whitespace().collect();
    for (i, token) in tokens.iter().enumerate() {
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(token);
        let next_starts = tokens.get(i + 1).is_none_or(|n| n.chars().next().is_some_and(char::is_uppercase));
        if token.ends_with(['.', '!', '?']) && next_starts {
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

/// Whether a sentence reads on its own.
fn stands_alone(sentence: &str) -> bool {
    let words = sentence.split_whitespace().count();
    let first = sentence.split_whitespace().next().unwrap_or("");
    sentence.chars().next().is_some_and(char::is_uppercase)
        && sentence.ends_with('.')
        && (6..=45).contains(&words)
        && !["It", "This", "These", "That", "Those", "They", "He", "She", "Such", "Both", "Each"].contains(&first)
        // "these findings", "in each example": it points at text that is not quoted.
        && !sentence.split_whitespace().any(|w| matches!(w.to_lowercase().as_str(), "these" | "those" | "each"))
        && !sentence.contains(['[', ']', '<', '>', '|', '#', '*', '`'])
}

fn candidates(sources: &[ListedSource]) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for s in sources {
        for (position, text) in sentences(&s.text).into_iter().enumerate() {
            if stands_alone(&text) && seen.insert(text.to_lowercase()) {
                let words = content_words(&text).into_iter().collect();
                let title_words = content_words(&s.title).into_iter().collect();
                out.push(Candidate { source: s.number, position, text, words, title_words });
            }
        }
    }
    out
}

/// `sentence` with its citation before the final full stop.
fn cited(sentence: &str, number: u32) -> String {
    let body = sentence.strip_suffix('.').unwrap_or(sentence);
    format!("{body} [{number}].")
}

/// The section, in Markdown, for a prompt naming the section (`Section heading:`, `Section role:`)
/// and listing its sources; `keyword` is the focus keyword.
pub(super) fn write_section(prompt: &str, keyword: &str) -> String {
    let heading = field(prompt, "Section heading:").unwrap_or_default();
    let role = field(prompt, "Section role:").unwrap_or_else(|| "body".to_string()).to_lowercase();
    let sources = listed_sources(prompt);
    let written = earlier(prompt);
    let mut pool = candidates(&sources);
    // Never quote a sentence an earlier section already quoted.
    // A conclusion may come back to them (as its key takeaways), after anything new.
    let repeated = |c: &Candidate| written.contains(c.text.trim_end_matches('.'));
    if role != "conclusion" {
        pool.retain(|c| !repeated(c));
    }
    let keyword_words: HashSet<String> = content_words(keyword).into_iter().collect();
    // A body section is about its heading, not the keyword every section shares.
    let heading_words: HashSet<String> = content_words(&heading)
        .into_iter()
        .filter(|w| role != "body" || !keyword_words.contains(w))
        .filter(|w| !GENERIC_HEADING_WORDS.contains(&w.as_str()))
        .collect();
    let (wanted, per_paragraph) = match role.as_str() {
        "lead" => (3, 3),
        "conclusion" => (4, 2),
        _ => (7, 3),
    };
    // Words shared by many candidates say little ("customer"), rare ones a lot ("privacy"):
    // each word weighs ln(N / sentences containing it).
    let n = pool.len().max(1) as f64;
    let weight = |w: &String| {
        let df = pool.iter().filter(|c| c.words.contains(w)).count().max(1) as f64;
        (n / df).ln().max(0.0)
    };
    // Rank: heading words count double, then keyword words; a sentence sharing neither is off
    // topic and left out. Ties: earlier sentences (documents open with definitions), then
    // better-ranked sources.
    let mut ranked: Vec<(f64, &Candidate)> = pool
        .iter()
        .map(|c| {
            // A word of the source's title counts half: the document is about it, the sentence
            // may not say it again.
            let matched = |topic: &HashSet<String>| -> f64 {
                topic
                    .iter()
                    .map(|w| {
                        if c.words.contains(w) {
                            weight(w).max(0.1)
                        } else if c.title_words.contains(w) {
                            0.5 * weight(w).max(0.1)
                        } else {
                            0.0
                        }
                    })
                    .sum()
            };
            let h = matched(&heading_words);
            let k = matched(&keyword_words);
            let opening = if c.position == 0 && role == "lead" { 0.5 } else { 0.0 };
            let fresh = if repeated(c) { 0.0 } else { 100.0 };
            (2.0 * h + k + opening + fresh * f64::from(u8::from(h + k > 0.0)), c)
        })
        .filter(|(score, _)| *score > 0.0)
        .collect();
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0).then(a.1.position.cmp(&b.1.position)).then(a.1.source.cmp(&b.1.source))
    });
    let mut chosen: Vec<&Candidate> = ranked.into_iter().take(wanted).map(|(_, c)| c).collect();
    // Read in source order, then document order: quotes from one source stay together.
    chosen.sort_by_key(|c| (c.source, c.position));
    let mut paragraphs: Vec<String> = Vec::new();
    if role == "lead" {
        let kw = keyword.trim();
        paragraphs.push(format!(
            "_Offline draft._ This article on {kw} was composed by infin8's offline writer from passages of its local research corpus; every sentence below is quoted from a cited source."
        ));
    }
    if chosen.is_empty() {
        paragraphs.push(if sources.is_empty() {
            "No research source was found for this section.".to_string()
        } else {
            "No research source for this section is on its topic.".to_string()
        });
    }
    if role == "conclusion" && !chosen.is_empty() {
        // Key takeaways as a list.
        paragraphs.push(
            chosen.iter().map(|c| format!("- {}", cited(&c.text, c.source))).collect::<Vec<_>>().join("\n"),
        );
    } else {
        for group in chosen.chunks(per_paragraph) {
            paragraphs.push(group.iter().map(|c| cited(&c.text, c.source)).collect::<Vec<_>>().join(" "));
        }
    }
    paragraphs.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMPT: &str = "Article: Churn\nFocus keyword: customer churn\nSection 2 of 4: Why churn happens\n\
        Section role: body\nSection heading: Why churn happens\n\nSources:\n\
        [1] Reducing churn — https://a.example/churn\n… of the year. Churn is the share of customers lost in a period. \
        It compounds quickly. Most churn is predictable weeks in advance from falling product usage. Short. …\n\
        [2] Onboarding — https://b.example/onboarding\nOnboarding is the path a new user follows from sign-up to value.\n\
        Write this section: two to four paragraphs.";

    #[test]
    fn quotes_whole_sentences_each_cited() {
        let md = write_section(PROMPT, "customer churn");
        assert!(md.contains("Churn is the share of customers lost in a period [1]."), "{md}");
        assert!(
            md.contains("Most churn is predictable weeks in advance from falling product usage [1]."),
            "{md}"
        );
        assert!(!md.contains("Onboarding") && !md.contains("[2]"), "off topic: {md}");
        assert!(!md.contains("It compounds") && !md.contains("of the year") && !md.contains("Short"), "{md}");
        for sentence in md.split(". ") {
            assert!(sentence.contains('['), "uncited: {sentence}");
        }
    }

    #[test]
    fn the_lead_says_it_is_offline_and_nothing_is_invented_without_sources() {
        let lead =
            write_section(&PROMPT.replace("Section role: body", "Section role: lead"), "customer churn");
        assert!(lead.starts_with("_Offline draft._ This article on customer churn"), "{lead}");
        let none = write_section("Focus keyword: x\nSection role: body\nSection heading: H", "x");
        assert!(none.contains("No research source was found"), "{none}");
        assert!(!none.contains('['));
    }
}
