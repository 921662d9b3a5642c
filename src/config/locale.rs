//! Markets and languages by name, resolved to DataForSEO codes.
//!
//! DataForSEO's `location_code` for a country is Google Ads' geo target id, which is 2000 plus the
//! country's ISO 3166-1 numeric code (United States 840 → 2840). Its `language_code` is the ISO
//! 639-1 code. The tables below are the markets and languages a config may name; a name is matched
//! case-insensitively, and a market may also be given by its ISO alpha-2 code (`"US"`, `"GB"`) and
//! a language by its code (`"en"`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// `(name, ISO 3166-1 alpha-2, DataForSEO location code)`.
pub const MARKETS: &[(&str, &str, u32)] = &[
    ("United States", "US", 2840),
    ("United Kingdom", "GB", 2826),
    ("Canada", "CA", 2124),
    ("Australia", "AU", 2036),
    ("Ireland", "IE", 2372),
    ("New Zealand", "NZ", 2554),
    ("India", "IN", 2356),
    ("Singapore", "SG", 2702),
    ("South Africa", "ZA", 2710),
    ("Germany", "DE", 2276),
    ("Austria", "AT", 2040),
    ("Switzerland", "CH", 2756),
    ("France", "FR", 2250),
    ("Belgium", "BE", 2056),
    ("Netherlands", "NL", 2528),
    ("Spain", "ES", 2724),
    ("Mexico", "MX", 2484),
    ("Italy", "IT", 2380),
    ("Portugal", "PT", 2620),
    ("Brazil", "BR", 2076),
    ("Sweden", "SE", 2752),
    ("Denmark", "DK", 2208),
    ("Norway", "NO", 2578),
    ("Finland", "FI", 2246),
    ("Poland", "PL", 2616),
    ("Japan", "JP", 2392),
];

/// `(name, ISO 639-1 code as DataForSEO expects it)`.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("English", "en"),
    ("German", "de"),
    ("French", "fr"),
    ("Spanish", "es"),
    ("Italian", "it"),
    ("Portuguese", "pt"),
    ("Dutch", "nl"),
    ("Swedish", "sv"),
    ("Danish", "da"),
    ("Norwegian", "no"),
    ("Finnish", "fi"),
    ("Polish", "pl"),
    ("Japanese", "ja"),
];

/// A market (country) from [`MARKETS`]; the default is the United States.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Market(usize);

impl Market {
    /// Looks a market up by name or alpha-2 code (case-insensitive).
    #[must_use]
    pub fn find(name: &str) -> Option<Self> {
        let n = name.trim();
        MARKETS
            .iter()
            .position(|(full, iso, _)| full.eq_ignore_ascii_case(n) || iso.eq_ignore_ascii_case(n))
            .or_else(|| match n.to_ascii_lowercase().as_str() {
                "usa" | "us" | "united states of america" => Some(0),
                "uk" | "great britain" => Some(1),
                _ => None,
            })
            .map(Self)
    }

    /// Its name as in [`MARKETS`].
    #[must_use]
    pub fn name(self) -> &'static str {
        MARKETS[self.0].0
    }

    /// Its DataForSEO location code.
    #[must_use]
    pub fn location_code(self) -> u32 {
        MARKETS[self.0].2
    }

    /// Every market name, for error messages.
    #[must_use]
    pub fn allowed() -> String {
        MARKETS.iter().map(|m| m.0).collect::<Vec<_>>().join(", ")
    }
}

/// A language from [`LANGUAGES`]; the default is English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Language(usize);

impl Language {
    /// Looks a language up by name or ISO 639-1 code (case-insensitive).
    #[must_use]
    pub fn find(name: &str) -> Option<Self> {
        let n = name.trim();
        LANGUAGES
            .iter()
            .position(|(full, code)| full.eq_ignore_ascii_case(n) || code.eq_ignore_ascii_case(n))
            .map(Self)
    }

    /// Its name as in [`LANGUAGES`].
    #[must_use]
    pub fn name(self) -> &'static str {
        LANGUAGES[self.0].0
    }

    /// Its ISO 639-1 code.
    #[must_use]
    pub fn code(self) -> &'static str {
        LANGUAGES[self.0].1
    }

    /// Every language name, for error messages.
    #[must_use]
    pub fn allowed() -> String {
        LANGUAGES.iter().map(|l| l.0).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for Market {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Market {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl Serialize for Language {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Market {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Self::find(&name).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown market {name:?}; allowed: {}", Self::allowed()))
        })
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Self::find(&name).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown language {name:?}; allowed: {}", Self::allowed()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_codes_and_aliases_resolve() {
        assert_eq!(Market::find("united states").map(Market::location_code), Some(2840));
        assert_eq!(Market::find("UK").map(Market::location_code), Some(2826));
        assert_eq!(Market::find("DE").map(Market::name), Some("Germany"));
        assert_eq!(Language::find("english").map(Language::code), Some("en"));
        assert_eq!(Language::find("de").map(Language::name), Some("German"));
        assert!(Market::find("Atlantis").is_none());
        assert!(Language::find("Klingon").is_none());
    }

    #[test]
    fn location_codes_are_2000_plus_iso_numeric() {
        // Spot checks against ISO 3166-1 numeric codes.
        for (name, numeric) in [("United States", 840), ("Germany", 276), ("Japan", 392), ("Brazil", 76)] {
            assert_eq!(Market::find(name).map(Market::location_code), Some(2000 + numeric));
        }
    }
}
