//! Keyword normalization: the identity of a keyword within a workflow.

use crate::error::InvalidInput;
use unicode_normalization::UnicodeNormalization;

/// The longest keyword accepted, in characters (after normalization).
pub const MAX_KEYWORD_CHARS: usize = 200;

/// Normalizes a keyword: Unicode NFKC, case-folded (lower-cased), runs of whitespace collapsed to
/// one space, trimmed. Two keywords are the same keyword iff their normalized forms are equal.
///
/// ```
/// use infin8_core::keyword::normalize_keyword;
/// assert_eq!(normalize_keyword("  Best\u{00A0}CRM   Software ").unwrap(), "best crm software");
/// assert_eq!(normalize_keyword("ＣＲＭ").unwrap(), "crm"); // full-width → ASCII (NFKC)
/// ```
///
/// # Errors
/// [`InvalidInput`] (field `keyword`) if the result is empty, longer than
/// [`MAX_KEYWORD_CHARS`], or the input contains control characters (other than whitespace).
pub fn normalize_keyword(input: &str) -> Result<String, InvalidInput> {
    if input.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err(InvalidInput::new("keyword", "contains control characters"));
    }
    // ASCII is its own NFKC form and lower-cases to ASCII: skip the Unicode tables (most
    // keywords of most campaigns, and the bulk of a 50,000-keyword batch upsert).
    let folded = if input.is_ascii() { input.to_ascii_lowercase() } else { fold_unicode(input) };
    let mut out = String::with_capacity(folded.len());
    for word in folded.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        return Err(InvalidInput::new("keyword", "empty"));
    }
    if out.chars().count() > MAX_KEYWORD_CHARS {
        return Err(InvalidInput::new("keyword", format!("longer than {MAX_KEYWORD_CHARS} characters")));
    }
    Ok(out)
}

/// NFKC, lower-cased, and NFKC again (lower-casing can produce sequences that are not
/// NFKC-normal).
fn fold_unicode(input: &str) -> String {
    let folded: String = input.nfkc().flat_map(char::to_lowercase).collect();
    folded.nfkc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_case_width_and_space() {
        assert_eq!(normalize_keyword("CRM\tfür  KMU").unwrap(), "crm für kmu");
        assert_eq!(normalize_keyword("ﬁle sharing").unwrap(), "file sharing");
        assert_eq!(normalize_keyword("İstanbul").unwrap(), normalize_keyword("i̇stanbul").unwrap());
    }

    #[test]
    fn rejects_bad_input() {
        assert!(normalize_keyword("").is_err());
        assert!(normalize_keyword(" \n\t ").is_err());
        assert!(normalize_keyword("a\u{0000}b").is_err());
        assert!(normalize_keyword("a\u{001b}[31m").is_err());
        assert!(normalize_keyword(&"x".repeat(201)).is_err());
        assert!(normalize_keyword(&"x".repeat(200)).is_ok());
    }

    proptest! {
        #[test]
        fn idempotent_and_total(s in "\\PC{0,80}") {
            // Never panics; when it succeeds, normalizing again changes nothing.
            if let Ok(n) = normalize_keyword(&s) {
                prop_assert_eq!(normalize_keyword(&n).unwrap(), n.clone());
                prop_assert!(!n.starts_with(' ') && !n.ends_with(' ') && !n.contains("  "));
            }
        }

        #[test]
        fn ascii_fast_path_is_the_unicode_fold(s in "[\\x00-\\x7f]{0,80}") {
            prop_assert_eq!(fold_unicode(&s), s.to_ascii_lowercase());
        }

        #[test]
        fn case_and_spacing_insensitive(words in prop::collection::vec("[a-zA-Z]{1,8}", 1..5)) {
            let a = words.join(" ");
            let b = format!("  {}  ", words.iter().map(|w| w.to_uppercase()).collect::<Vec<_>>().join("   "));
            prop_assert_eq!(normalize_keyword(&a).unwrap(), normalize_keyword(&b).unwrap());
        }
    }
}
