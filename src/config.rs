//! The `infin8.toml` configuration of the `infin8` command: one organization, one content
//! campaign, and the pipeline settings, in words a practitioner uses (market and language by name,
//! durations like `"24h"`, a budget in dollars).
//!
//! Unknown keys are errors (a typo never silently falls back to a default), and every bad value
//! names its key and what is allowed. [`template`] writes the commented file `infin8 init` creates.

mod locale;
mod template;

pub use locale::{LANGUAGES, Language, MARKETS, Market};
pub use template::template;

use infin8_core::Usd;
use infin8_core::cluster::{HubSpokeConfig, ValidationRules};
use infin8_core::engine::{ArticleScope, PipelineConfig, SubtopicReview};
use infin8_core::keyword::filter::FilterRules;
use infin8_core::provider::{Locale, PostStatus};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key, or a value of the wrong kind. The message
    /// names the key (with its line) and what is allowed.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the key and what is allowed.
        message: String,
    },
    /// A value is out of range.
    #[error("{path}: `{key}` = {value} is not allowed: {allowed}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The key, dotted (`filter.max_difficulty`).
        key: &'static str,
        /// The value found.
        value: String,
        /// What is allowed.
        allowed: &'static str,
    },
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Who the content is for.
    pub organization: OrganizationSection,
    /// The content campaign (one workflow).
    pub campaign: CampaignSection,
    /// Sizes and gates of the pipeline.
    #[serde(default)]
    pub pipeline: PipelineSection,
    /// Keyword filtering (step 5).
    #[serde(default)]
    pub filter: FilterSection,
    /// Clustering and validation (steps 6 and 7).
    #[serde(default)]
    pub clusters: ClusterSection,
    /// Where articles go (step 10).
    #[serde(default)]
    pub publish: PublishSection,
}

/// `[organization]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSection {
    /// The organization's name (also what finds it again in the database).
    pub name: String,
    /// Its website.
    #[serde(default)]
    pub website: Option<String>,
    /// What the business does, for whom: the ICP and the keyword research start here.
    pub business_description: String,
    /// Who it sells to.
    #[serde(default)]
    pub target_audiences: Vec<String>,
}

/// `[campaign]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignSection {
    /// The campaign's title (with the organization, what finds the workflow again).
    #[serde(default = "default_title")]
    pub title: String,
    /// Competitor sites whose keywords seed the research.
    pub competitors: Vec<String>,
    /// The market, by name (see [`MARKETS`]).
    #[serde(default)]
    pub market: Market,
    /// The language, by name (see [`LANGUAGES`]).
    #[serde(default)]
    pub language: Language,
    /// The business's own and third-party brand terms: keywords naming them are navigational.
    #[serde(default)]
    pub brand_terms: Vec<String>,
    /// Most the campaign may spend, in US dollars.
    #[serde(default = "default_budget")]
    pub budget_usd: f64,
}

fn default_title() -> String {
    "Content campaign".into()
}

fn default_budget() -> f64 {
    25.0
}

/// `[pipeline]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineSection {
    /// Competitors researched.
    pub max_competitors: usize,
    /// Keywords asked per competitor.
    pub keywords_per_competitor: u32,
    /// Seed keywords kept for review.
    pub max_seeds: usize,
    /// Longtail suggestions per approved seed.
    pub longtails_per_seed: u32,
    /// Articles written.
    pub max_articles: usize,
    /// Most sections per article.
    pub max_sections: usize,
    /// Sources researched per section.
    pub sources_per_section: u32,
    /// `"hubs_only"` or `"hubs_and_spokes"`.
    pub article_scope: ArticleScope,
    /// `"none"`, `"human"` (a review gate) or `"auto"`.
    pub subtopic_review: SubtopicReview,
    /// How long web research stays cached (`"24h"`).
    #[serde(with = "humane_duration")]
    pub research_ttl: Duration,
    /// How long a run's lease on the workflow lasts (`"30s"`).
    #[serde(with = "humane_duration")]
    pub lease: Duration,
}

impl Default for PipelineSection {
    fn default() -> Self {
        let d = PipelineConfig::default();
        Self {
            max_competitors: d.limits.max_competitors,
            keywords_per_competitor: d.limits.keywords_per_competitor,
            max_seeds: d.limits.max_seeds,
            longtails_per_seed: d.limits.longtails_per_seed,
            max_articles: d.limits.max_articles,
            max_sections: d.limits.max_sections,
            sources_per_section: d.limits.sources_per_section,
            article_scope: d.article_scope,
            subtopic_review: d.subtopic_review,
            research_ttl: d.research_ttl,
            lease: d.lease,
        }
    }
}

/// `[filter]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilterSection {
    /// Minimum monthly searches (0 keeps everything).
    pub min_search_volume: i64,
    /// Maximum difficulty 0..=100 (100 keeps everything).
    pub max_difficulty: i32,
    /// Allowed languages (names or codes); empty: the campaign's language.
    pub languages: Vec<String>,
    /// Whether pure brand, login and app queries are rejected (comparisons never are).
    pub reject_navigational: bool,
    /// Edit similarity 0..=1 from which two keywords are near duplicates.
    pub near_duplicate_threshold: f64,
    /// Most words in a keyword.
    pub max_words: usize,
}

impl Default for FilterSection {
    fn default() -> Self {
        let d = FilterRules::default();
        Self {
            min_search_volume: d.min_search_volume.unwrap_or(0),
            max_difficulty: d.max_difficulty.unwrap_or(100),
            languages: Vec::new(),
            reject_navigational: d.reject_navigational,
            near_duplicate_threshold: d.near_duplicate_threshold.unwrap_or(1.0),
            max_words: d.max_words,
        }
    }
}

/// `[clusters]`. Similarities left out are chosen to suit the embedder: a sentence model's
/// defaults, or lower ones for the offline hashing embeddings (whose cosines run lower).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterSection {
    /// Cosine from which a keyword joins a hub (0..=1).
    pub similarity_threshold: Option<f32>,
    /// Minimum average spoke similarity of a valid cluster (0..=1).
    pub min_avg_similarity: Option<f32>,
    /// Minimum spokes of a valid cluster.
    pub min_spokes: Option<usize>,
    /// Maximum spokes of a valid cluster.
    pub max_spokes: Option<usize>,
    /// Minimum monthly searches of a valid cluster's hub.
    pub min_hub_volume: Option<i64>,
}

/// `[publish]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublishSection {
    /// `"auto"` (WordPress when its variables are set, files otherwise), `"files"` or
    /// `"wordpress"`.
    pub target: PublishTarget,
    /// The folder for `"files"`, relative to the config file.
    pub directory: PathBuf,
    /// `"draft"` or `"publish"`.
    pub status: PublishStatus,
    /// Categories given to posts.
    pub categories: Vec<String>,
}

impl Default for PublishSection {
    fn default() -> Self {
        Self {
            target: PublishTarget::Auto,
            directory: PathBuf::from("published"),
            status: PublishStatus::Draft,
            categories: Vec::new(),
        }
    }
}

/// Where articles are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishTarget {
    /// WordPress when `WORDPRESS_*` are set, files otherwise.
    Auto,
    /// HTML files in `publish.directory`.
    Files,
    /// WordPress (the `WORDPRESS_*` variables must be set).
    Wordpress,
}

/// How posts go live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublishStatus {
    /// Drafts.
    Draft,
    /// Published at once.
    Publish,
}

/// `"24h"`-style durations (humantime), with an error that shows how to write one.
mod humane_duration {
    use serde::{Deserializer, Serializer, de::Error as _};
    use std::time::Duration;

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        humantime_serde::serialize(d, s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        humantime_serde::deserialize(d).map_err(|e: D::Error| {
            D::Error::custom(format!(
                "{}; write a duration like \"24h\", \"90min\", \"7days\" or \"30s\"",
                e.to_string().trim_end()
            ))
        })
    }
}

impl Config {
    /// Reads and checks `path`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the key and what is allowed.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.into(), source })?;
        Self::parse(&text, path)
    }

    /// Parses and checks `text` (`path` is for messages).
    ///
    /// # Errors
    /// [`ConfigError`] naming the key and what is allowed.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.into(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        config.check(path)?;
        Ok(config)
    }

    fn check(&self, path: &Path) -> Result<(), ConfigError> {
        let bad = |key: &'static str, value: String, allowed: &'static str| {
            Err(ConfigError::Invalid { path: path.into(), key, value, allowed })
        };
        if self.organization.name.trim().is_empty() {
            return bad("organization.name", "\"\"".into(), "a non-empty name");
        }
        if self.organization.business_description.trim().len() < 20 {
            return bad(
                "organization.business_description",
                format!("{:?}", self.organization.business_description),
                "a description of at least 20 characters: what you sell, to whom",
            );
        }
        if self.campaign.competitors.is_empty() {
            return bad("campaign.competitors", "[]".into(), "at least one competitor URL or domain");
        }
        if !self.campaign.budget_usd.is_finite() || self.campaign.budget_usd <= 0.0 {
            return bad(
                "campaign.budget_usd",
                self.campaign.budget_usd.to_string(),
                "a positive amount of dollars",
            );
        }
        let f = &self.filter;
        if !(0..=100).contains(&f.max_difficulty) {
            return bad("filter.max_difficulty", f.max_difficulty.to_string(), "0 to 100");
        }
        if f.min_search_volume < 0 {
            return bad("filter.min_search_volume", f.min_search_volume.to_string(), "0 or more");
        }
        if !(0.0..=1.0).contains(&f.near_duplicate_threshold) {
            return bad("filter.near_duplicate_threshold", f.near_duplicate_threshold.to_string(), "0 to 1");
        }
        if let Some(l) = f.languages.iter().find(|l| Language::find(l).is_none() && l.as_str() != "*") {
            return bad(
                "filter.languages",
                format!("{l:?}"),
                "language names or codes from the table in the docs (English, German, …), or \"*\" for any",
            );
        }
        let c = &self.clusters;
        for (key, v) in [
            ("clusters.similarity_threshold", c.similarity_threshold),
            ("clusters.min_avg_similarity", c.min_avg_similarity),
        ] {
            if let Some(v) = v
                && !(0.0..=1.0).contains(&v)
            {
                return bad(key, v.to_string(), "0 to 1");
            }
        }
        let p = &self.pipeline;
        for (key, v) in [
            ("pipeline.max_competitors", p.max_competitors),
            ("pipeline.max_seeds", p.max_seeds),
            ("pipeline.max_articles", p.max_articles),
            ("pipeline.max_sections", p.max_sections),
        ] {
            if v == 0 {
                return bad(key, "0".into(), "1 or more");
            }
        }
        if p.lease < Duration::from_secs(1) {
            return bad("pipeline.lease", format!("{:?}", p.lease), "one second or more (\"30s\")");
        }
        Ok(())
    }

    /// The engine configuration. `lexical_embeddings`: the offline hashing embedder is used, so
    /// unset similarities get its lower defaults.
    #[must_use]
    pub fn pipeline_config(&self, lexical_embeddings: bool) -> PipelineConfig {
        let p = &self.pipeline;
        let mut config = PipelineConfig {
            locale: Locale {
                location_code: self.campaign.market.location_code(),
                language_code: self.campaign.language.code().to_owned(),
            },
            article_scope: p.article_scope,
            subtopic_review: p.subtopic_review,
            research_ttl: p.research_ttl,
            lease: p.lease,
            post_status: match self.publish.status {
                PublishStatus::Draft => PostStatus::Draft,
                PublishStatus::Publish => PostStatus::Publish,
            },
            post_categories: self.publish.categories.clone(),
            ..PipelineConfig::default()
        };
        config.limits.max_competitors = p.max_competitors;
        config.limits.keywords_per_competitor = p.keywords_per_competitor;
        config.limits.max_seeds = p.max_seeds;
        config.limits.longtails_per_seed = p.longtails_per_seed;
        config.limits.max_articles = p.max_articles;
        config.limits.max_sections = p.max_sections;
        config.limits.sources_per_section = p.sources_per_section;
        let f = &self.filter;
        config.filter.min_search_volume = (f.min_search_volume > 0).then_some(f.min_search_volume);
        config.filter.max_difficulty = (f.max_difficulty < 100).then_some(f.max_difficulty);
        config.filter.allowed_languages = if f.languages.iter().any(|l| l == "*") {
            vec!["*".to_owned()]
        } else if f.languages.is_empty() {
            // Keywords in another language cannot rank for this campaign.
            vec![self.campaign.language.code().to_owned()]
        } else {
            f.languages.iter().filter_map(|l| Language::find(l)).map(|l| l.code().to_owned()).collect()
        };
        config.filter.reject_navigational = f.reject_navigational;
        config.filter.near_duplicate_threshold =
            (f.near_duplicate_threshold < 1.0).then_some(f.near_duplicate_threshold);
        config.filter.max_words = f.max_words;
        let (threshold, min_avg) = if lexical_embeddings { (0.55, 0.58) } else { (0.75, 0.78) };
        let c = &self.clusters;
        config.clustering = HubSpokeConfig {
            threshold: c.similarity_threshold.unwrap_or(threshold),
            ..HubSpokeConfig::default()
        };
        let v = ValidationRules::default();
        config.validation = ValidationRules {
            min_avg_similarity: c.min_avg_similarity.unwrap_or(min_avg),
            min_spokes: c.min_spokes.unwrap_or(v.min_spokes),
            max_spokes: c.max_spokes.unwrap_or(v.max_spokes),
            min_hub_volume: c.min_hub_volume.unwrap_or(v.min_hub_volume),
            ..v
        };
        config
    }

    /// The campaign budget.
    #[must_use]
    pub fn budget(&self) -> Usd {
        // Checked positive and finite; a budget beyond i64 micros is capped.
        Usd::from_micros((self.campaign.budget_usd * 1e6).round().min(i64::MAX as f64) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("infin8.toml"))
    }

    #[test]
    fn the_template_parses_and_resolves_names() {
        let text = template(
            "Acme Bikes",
            "Acme Bikes sells cargo e-bikes to families in Portland.",
            &["https://www.rivalbikes.example/".into()],
        );
        let config = parse(&text).expect("template parses");
        assert_eq!(config.organization.name, "Acme Bikes");
        let pc = config.pipeline_config(true);
        assert_eq!(pc.locale.location_code, 2840);
        assert_eq!(pc.locale.language_code, "en");
        assert_eq!(pc.research_ttl, Duration::from_secs(24 * 3600));
        assert_eq!(pc.filter.allowed_languages, ["en"], "languages default to the campaign's");
        assert_eq!(config.budget(), Usd::from_micros(25_000_000));
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key_and_what_is_allowed() {
        let base = template("Acme", "Acme sells cargo e-bikes to families.", &["rival.example".into()]);
        let typo = base.replace("max_seeds =", "max_seedz =");
        let e = parse(&typo).expect_err("unknown key").to_string();
        assert!(e.contains("max_seedz") && e.contains("max_seeds"), "{e}");
        let market = base.replace("market = \"United States\"", "market = \"Atlantis\"");
        let e = parse(&market).expect_err("bad market").to_string();
        assert!(e.contains("Atlantis") && e.contains("market") && e.contains("Germany"), "{e}");
        let ttl = base.replace("research_ttl = \"24h\"", "research_ttl = \"24 hourz\"");
        let e = parse(&ttl).expect_err("bad duration").to_string();
        assert!(e.contains("research_ttl") && e.contains("hourz"), "{e}");
        let diff = base.replace("max_difficulty = 80", "max_difficulty = 120");
        let e = parse(&diff).expect_err("bad difficulty").to_string();
        assert!(e.contains("filter.max_difficulty") && e.contains("0 to 100"), "{e}");
        let scope = base.replace("article_scope = \"hubs_and_spokes\"", "article_scope = \"everything\"");
        let e = parse(&scope).expect_err("bad scope").to_string();
        assert!(e.contains("everything") && e.contains("hubs_only"), "{e}");
    }
}
