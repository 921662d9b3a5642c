//! Word splitting and escaping shared by the offline providers.

/// Words too common to carry meaning in a query, a prompt or a keyword.
const STOPWORDS: &[&str] = &[
    "a", "about", "above", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "because",
    "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "each", "for", "from",
    "had", "has", "have", "he", "her", "here", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "just", "may", "me", "more", "most", "must", "my", "no", "not", "of", "on", "one", "only", "or", "other",
    "our", "out", "over", "should", "so", "some", "such", "than", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "those", "to", "under", "up", "us", "use", "very", "was", "we", "were",
    "what", "when", "where", "which", "while", "who", "why", "will", "with", "would", "you", "your",
];

/// Whether `word` (lower-case) is a stopword.
pub(crate) fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

/// Lower-case words of `text`: maximal runs of alphanumeric characters (any script).
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Words of `text` that carry meaning: no stopwords, no pure numbers, at least two characters.
pub(crate) fn content_words(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| w.chars().count() >= 2 && !is_stopword(w) && !w.chars().all(|c| c.is_ascii_digit()))
        .collect()
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A URL path segment: lower-case ASCII letters and digits joined by single hyphens.
pub(crate) fn slugify(text: &str) -> String {
    let mut out = String::new();
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

/// Upper-cases the first character.
pub(crate) fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The first `max` characters of `text` (on a character boundary).
pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        let mut sorted = STOPWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOPWORDS);
        assert!(is_stopword("the"));
        assert!(!is_stopword("crm"));
    }

    #[test]
    fn splits_escapes_and_slugs() {
        assert_eq!(words("Best CRM-software, 2026!"), ["best", "crm", "software", "2026"]);
        assert_eq!(content_words("how to choose the best CRM in 2026"), ["choose", "best", "crm"]);
        assert_eq!(escape_html("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(slugify("  Best CRM: für Teams! "), "best-crm-f-r-teams");
        assert_eq!(capitalize("élan"), "Élan");
        assert_eq!(truncate_chars("héllo", 2), "hé");
    }
}
