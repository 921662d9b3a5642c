//! Word count and reading time.

/// Reading speed used for reading time (words per minute), a common figure for web prose.
pub const WORDS_PER_MINUTE: usize = 238;

/// Counts words in text or HTML: tags and entities are skipped; a word is a maximal run of
/// alphanumeric characters (apostrophes and hyphens inside a word keep it one word).
///
/// ```
/// use infin8_core::article::word_count;
/// assert_eq!(word_count("<p>Hello, <b>world</b>! It's well-known.</p>"), 4);
/// ```
#[must_use]
pub fn word_count(text: &str) -> usize {
    let mut count = 0;
    let mut in_tag = false;
    let mut in_entity = false;
    let mut in_word = false;
    let mut prev_joiner = false;
    for c in text.chars() {
        if in_tag {
            if c == '>' {
                in_tag = false;
            }
            continue;
        }
        if in_entity {
            if c == ';' || c.is_whitespace() {
                in_entity = false;
                in_word = false;
            }
            continue;
        }
        match c {
            '<' => {
                in_tag = true;
                in_word = false;
            }
            '&' => {
                in_entity = true;
                in_word = false;
            }
            c if c.is_alphanumeric() => {
                if !in_word {
                    count += 1;
                    in_word = true;
                }
                prev_joiner = false;
            }
            '\'' | '’' | '-' if in_word && !prev_joiner => prev_joiner = true,
            _ => {
                in_word = false;
                prev_joiner = false;
            }
        }
    }
    count
}

/// Reading time in whole minutes at [`WORDS_PER_MINUTE`], at least 1 for any non-empty text.
#[must_use]
pub fn reading_time_minutes(words: usize) -> u32 {
    if words == 0 { 0 } else { u32::try_from(words.div_ceil(WORDS_PER_MINUTE)).unwrap_or(u32::MAX) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_not_markup() {
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("<h2 class=\"x y\">Two words</h2>"), 2);
        assert_eq!(word_count("a&amp;b"), 2);
        assert_eq!(word_count("co-op -- dash"), 2);
        assert_eq!(word_count("für Kunden: 3 Tipps"), 4);
    }

    #[test]
    fn reading_time() {
        assert_eq!(reading_time_minutes(0), 0);
        assert_eq!(reading_time_minutes(1), 1);
        assert_eq!(reading_time_minutes(238), 1);
        assert_eq!(reading_time_minutes(239), 2);
    }
}
