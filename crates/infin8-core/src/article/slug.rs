//! URL slugs.

use unicode_normalization::UnicodeNormalization;

/// The longest slug produced, in bytes.
pub const MAX_SLUG_LEN: usize = 80;

/// Makes a URL slug: lower-case ASCII letters and digits separated by single hyphens, accents
/// folded (`Über Café` → `uber-cafe`), at most [`MAX_SLUG_LEN`] bytes cut at a word boundary.
/// Returns `"article"` when nothing usable remains (e.g. all CJK input).
///
/// ```
/// assert_eq!(infin8_core::article::slugify("Best CRM for Small Business (2026)!"), "best-crm-for-small-business-2026");
/// ```
#[must_use]
pub fn slugify(input: &str) -> String {
    let mut out = String::with_capacity(input.len().min(MAX_SLUG_LEN));
    let mut pending_hyphen = false;
    for c in input.nfkd() {
        let c = match c {
            'ß' => 's',
            'æ' | 'Æ' => 'a',
            'ø' | 'Ø' => 'o',
            'đ' | 'Đ' => 'd',
            'ł' | 'Ł' => 'l',
            _ => c,
        };
        if c.is_ascii_alphanumeric() {
            if pending_hyphen && !out.is_empty() {
                out.push('-');
            }
            pending_hyphen = false;
            out.push(c.to_ascii_lowercase());
        } else if c.is_alphanumeric() || c.is_whitespace() || c.is_ascii_punctuation() {
            pending_hyphen = true;
        }
        // Combining marks (accents after NFKD) are dropped without a hyphen.
    }
    if out.len() > MAX_SLUG_LEN {
        let cut = out[..MAX_SLUG_LEN].rfind('-').unwrap_or(MAX_SLUG_LEN);
        out.truncate(cut);
    }
    if out.is_empty() {
        out.push_str("article");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert_eq!(slugify("Über Café — naïve résumé"), "uber-cafe-naive-resume");
        assert_eq!(slugify("  --Hello,   World--  "), "hello-world");
        assert_eq!(slugify("Straße"), "strase");
        assert_eq!(slugify("東京"), "article");
        assert_eq!(slugify(""), "article");
    }

    proptest! {
        #[test]
        fn always_a_valid_slug(s in "\\PC{0,300}") {
            let slug = slugify(&s);
            prop_assert!(!slug.is_empty() && slug.len() <= MAX_SLUG_LEN);
            prop_assert!(slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            prop_assert!(!slug.starts_with('-') && !slug.ends_with('-') && !slug.contains("--"));
        }
    }
}
