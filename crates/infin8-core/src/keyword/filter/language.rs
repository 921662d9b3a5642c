//! Language detection for filtering: `whatlang`, reported as ISO 639-1 codes where one exists.

use whatlang::Lang;

/// What detection found.
pub(super) struct Detected {
    /// ISO 639-1 code (or 639-3 when there is no 639-1 code).
    pub code: Option<String>,
    /// Whether the text is in none of the allowed languages.
    pub is_foreign: bool,
}

/// Detects the language of `text`. With `allowed` empty nothing is foreign. A detection with
/// confidence ≥ `min_confidence` decides; otherwise the script decides (text in a script none of the allowed languages is
/// written in is foreign: Cyrillic for an English campaign); otherwise `fallback` (the language
/// the provider reported) decides.
pub(super) fn detect(
    text: &str,
    allowed: &[String],
    fallback: Option<&str>,
    min_confidence: f64,
) -> Detected {
    // "*" allows any language.
    let allowed: &[String] = if allowed.iter().any(|a| a.trim() == "*") { &[] } else { allowed };
    let info = whatlang::detect(text);
    let allowed_lang = |code: &str| allowed.iter().any(|a| same_language(a, code));
    if let Some(info) = info.as_ref().filter(|i| i.confidence() >= min_confidence) {
        let code = iso_639_1(info.lang());
        let is_foreign = !allowed.is_empty() && !allowed_lang(&code);
        return Detected { code: Some(code), is_foreign };
    }
    if let Some(info) = &info
        && !allowed.is_empty()
    {
        let script_fits = info.script().langs().iter().any(|&l| allowed_lang(&iso_639_1(l)));
        if !script_fits {
            return Detected { code: Some(iso_639_1(info.lang())), is_foreign: true };
        }
    }
    match fallback {
        Some(code) if !code.trim().is_empty() => {
            let code = code.trim().to_ascii_lowercase();
            let is_foreign = !allowed.is_empty() && !allowed_lang(&code);
            Detected { code: Some(code), is_foreign }
        }
        _ => Detected { code: None, is_foreign: false },
    }
}

/// Whether two codes (639-1 or 639-3, any case, optional region `en-US`) name one language.
fn same_language(a: &str, b: &str) -> bool {
    let canon = |s: &str| {
        let base = s.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        Lang::from_code(base.as_str()).map_or(base, iso_639_1)
    };
    canon(a) == canon(b)
}

/// ISO 639-1 code of a language (every language `whatlang` knows has one).
fn iso_639_1(lang: Lang) -> String {
    let code = match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "nb",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
        Lang::Cym => "cy",
    };
    code.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_compare_across_standards() {
        assert!(same_language("en", "eng"));
        assert!(same_language("EN-us", "en"));
        assert!(same_language("deu", "de"));
        assert!(!same_language("de", "en"));
    }

    #[test]
    fn detects_foreign_text() {
        let en = ["en".to_owned()];
        let d = detect("wie kann ich meine steuererklärung online machen", &en, None, 0.5);
        assert_eq!(d.code.as_deref(), Some("de"));
        assert!(d.is_foreign);
        // whatlang is unsure on short text ("latin", 0.09): no verdict, not foreign.
        let d = detect("how to file my tax return online quickly", &en, None, 0.5);
        assert_eq!(d.code, None);
        assert!(!d.is_foreign);
        let d = detect("mejor software crm para pequeñas empresas", &en, None, 0.3);
        assert_eq!(d.code.as_deref(), Some("es"));
        assert!(d.is_foreign);
        assert!(!detect("mejor software crm para pequeñas empresas", &["es".into()], None, 0.3).is_foreign);
        // Short and unreliable, but Cyrillic: no allowed language is written so.
        assert!(detect("црм", &en, None, 0.5).is_foreign);
        // Unreliable Latin text: the provider's language decides.
        assert!(!detect("crm", &en, Some("en"), 0.5).is_foreign);
        assert!(detect("crm", &en, Some("de"), 0.5).is_foreign);
        assert!(!detect("crm", &[], None, 0.5).is_foreign);
    }
}
