//! Topic phrases of a business description: what the offline keyword source ranks competitors
//! for, so a product-analytics business gets product-analytics keywords.

use super::text::is_stopword;
use std::collections::BTreeMap;

/// The most topic phrases [`topic_phrases`] returns by default.
pub const DEFAULT_MAX_TOPICS: usize = 16;

/// Single words are added only while there are fewer topics than this: a phrase makes a better
/// keyword than a lone word ("feature adoption", not "adoption").
const MIN_TOPICS: usize = 8;

/// Words of business prose that say what a product *does* or how it is sold rather than what it
/// is about: they never start, end or make up a topic phrase. Sorted, for binary search.
const PROSE_WORDS: &[&str] = &[
    "based", "best", "build", "builds", "can", "company", "connect", "connects", "easy", "every", "free",
    "get", "gets", "great", "help", "helps", "keep", "keeps", "let", "lets", "like", "make", "makes", "many",
    "measure", "measures", "much", "need", "needs", "new", "offer", "offers", "option", "options", "per",
    "priced", "provide", "provides", "ready", "respect", "respects", "run", "runs", "sell", "sells",
    "simple", "start", "starts", "track", "tracked", "tracks", "used", "uses", "using", "via", "without",
    "work", "works", "write", "writes", "writing",
];

fn is_prose_word(word: &str) -> bool {
    PROSE_WORDS.binary_search(&word).is_ok()
}

/// A word of the description with what the proper-name check needs.
#[derive(Debug)]
struct Token {
    lower: String,
    /// Written `Capitalized` (an upper-case first letter followed by lower-case letters), as
    /// names are; acronyms (`B2B`, `GDPR`) are not.
    capitalized: bool,
    /// First word of its sentence (capitalized for grammar, not because it is a name).
    sentence_start: bool,
    /// Usable in a topic: no stopword, no prose word, no number, at least two characters.
    topical: bool,
}

/// Splits `text` into clauses (at sentence and clause punctuation) of words: maximal runs of
/// alphanumeric characters.
fn clauses(text: &str) -> Vec<Vec<Token>> {
    let mut out = vec![Vec::new()];
    let mut word = String::new();
    let mut sentence_start = true;
    // A character past the end flushes the last word.
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            let token = token(&word, sentence_start);
            if let Some(clause) = out.last_mut() {
                clause.push(token);
            }
            word.clear();
            sentence_start = false;
        }
        if matches!(c, '.' | '!' | '?' | '\n') {
            sentence_start = true;
        }
        if matches!(c, '.' | '!' | '?' | '\n' | ',' | ';' | ':' | '(' | ')' | '[' | ']' | '"' | '—' | '–')
        {
            out.push(Vec::new());
        }
    }
    out
}

fn token(raw: &str, sentence_start: bool) -> Token {
    let lower = raw.to_lowercase();
    let mut chars = raw.chars();
    let capitalized = chars.next().is_some_and(char::is_uppercase)
        && chars.clone().any(char::is_lowercase)
        && chars.all(|c| !c.is_uppercase());
    let topical = lower.chars().count() >= 2
        && !is_stopword(&lower)
        && !is_prose_word(&lower)
        && !lower.chars().all(|c| c.is_ascii_digit());
    Token { lower, capitalized, sentence_start, topical }
}

/// Whether a run of tokens is a proper name (the business's or a product's): every word
/// capitalized, and at least one of them in the middle of a sentence.
fn is_name(tokens: &[&Token]) -> bool {
    tokens.iter().all(|t| t.capitalized) && tokens.iter().any(|t| !t.sentence_start)
}

/// Deterministic topic phrases of a business description, best first, at most `max`.
///
/// Two-word phrases come first: adjacent content words within one clause (no stop words, no
/// words of business prose such as "makes", "build" or "priced", no numbers), ranked by how
/// often the phrase and its words occur, then by first appearance. When there are fewer than
/// eight, single content words that no chosen phrase contains follow, most frequent first, up to
/// eight in all. Proper names — phrases whose words are
/// all `Capitalized` with one of them mid-sentence, like the business's own name — are left out:
/// competitors do not rank for them.
///
/// ```
/// use infin8_providers::offline::topic_phrases;
/// let topics = topic_phrases(
///     "Northwind Analytics makes product analytics software for SaaS teams. \
///      Growth teams use it to measure retention and churn.",
///     6,
/// );
/// assert_eq!(topics[0], "product analytics");
/// assert!(topics.contains(&"growth teams".to_string()));
/// assert!(!topics.iter().any(|t| t.contains("northwind")));
/// ```
#[must_use]
pub fn topic_phrases(description: &str, max: usize) -> Vec<String> {
    let clauses = clauses(description);
    // Word frequencies over topical words, and first appearance of every candidate.
    let mut word_count: BTreeMap<&str, usize> = BTreeMap::new();
    let mut first_seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut bigram_count: BTreeMap<String, usize> = BTreeMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut position = 0_usize;
    for clause in &clauses {
        for (i, token) in clause.iter().enumerate() {
            position += 1;
            if !token.topical {
                continue;
            }
            *word_count.entry(token.lower.as_str()).or_default() += 1;
            first_seen.entry(token.lower.clone()).or_insert(position);
            let Some(next) = clause.get(i + 1).filter(|n| n.topical) else { continue };
            let phrase = format!("{} {}", token.lower, next.lower);
            if is_name(&[token, next]) {
                names.push(phrase);
                continue;
            }
            *bigram_count.entry(phrase.clone()).or_default() += 1;
            first_seen.entry(phrase).or_insert(position);
        }
    }
    // A word that only ever appears inside names is part of a name, not a topic.
    let name_words: Vec<&str> = names.iter().flat_map(|n| n.split(' ')).collect();
    let in_topic_use = |word: &str| {
        let inside_names = name_words.iter().filter(|w| **w == word).count();
        word_count.get(word).copied().unwrap_or(0) > inside_names
    };
    let words_score =
        |phrase: &str| phrase.split(' ').map(|w| word_count.get(w).copied().unwrap_or(0)).sum::<usize>();
    let first = |phrase: &str| first_seen.get(phrase).copied().unwrap_or(usize::MAX);

    let mut bigrams: Vec<(&String, usize)> = bigram_count.iter().map(|(p, c)| (p, *c)).collect();
    bigrams.sort_by(|(a, ca), (b, cb)| {
        (cb * 2 + words_score(b)).cmp(&(ca * 2 + words_score(a))).then(first(a).cmp(&first(b)))
    });
    let mut topics: Vec<String> = bigrams.into_iter().take(max).map(|(p, _)| p.clone()).collect();

    let mut singles: Vec<(&str, usize)> = word_count
        .iter()
        .filter(|(w, _)| in_topic_use(w) && !topics.iter().any(|t| t.split(' ').any(|x| x == **w)))
        .map(|(w, c)| (*w, *c))
        .collect();
    singles.sort_by(|(a, ca), (b, cb)| cb.cmp(ca).then(first(a).cmp(&first(b))));
    let room = max.min(MIN_TOPICS).saturating_sub(topics.len());
    topics.extend(singles.into_iter().take(room).map(|(w, _)| w.to_string()));
    topics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_words_are_sorted_for_binary_search() {
        let mut sorted = PROSE_WORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, PROSE_WORDS);
    }

    #[test]
    fn phrases_skip_names_prose_and_clause_breaks() {
        let topics = topic_phrases(
            "Acme Cloud builds invoice software. Invoice software, expense reports and Acme Cloud \
             for freelancers: Freelancers track time.",
            10,
        );
        assert_eq!(topics[0], "invoice software");
        assert!(topics.contains(&"expense reports".to_string()), "{topics:?}");
        assert!(!topics.iter().any(|t| t.contains("acme") || t.contains("cloud")), "{topics:?}");
        assert!(!topics.iter().any(|t| t.contains("builds") || t.contains("track")), "{topics:?}");
        // "software" and "expense" are separated by a comma: never one phrase.
        assert!(!topics.iter().any(|t| t == "software expense"), "{topics:?}");
        // Few phrases: single words fill up to eight topics.
        assert!(topics.contains(&"freelancers".to_string()), "{topics:?}");
        assert!(topics.len() <= 8, "{topics:?}");
    }

    #[test]
    fn empty_or_stopword_text_has_no_topics() {
        assert!(topic_phrases("", 5).is_empty());
        assert!(topic_phrases("and the of, it is. 2026!", 5).is_empty());
        assert!(topic_phrases("invoice software", 0).is_empty());
    }

    #[test]
    fn phrases_are_deterministic_and_bounded() {
        let text = "Payroll software for restaurants: payroll, tips, shift scheduling and labor costs.";
        assert_eq!(topic_phrases(text, 4), topic_phrases(text, 4));
        assert!(topic_phrases(text, 4).len() <= 4);
        assert_eq!(topic_phrases(text, 4)[0], "payroll software");
    }
}
