//! The commented `infin8.toml` that `infin8 init` writes.

/// A commented configuration for `organization`, described by `business`, against `competitors`
/// (every other value at its default, each explained).
#[must_use]
pub fn template(organization: &str, business: &str, competitors: &[String]) -> String {
    let q = |s: &str| toml_string(s);
    let competitors = competitors.iter().map(|c| format!("  {},\n", q(c))).collect::<String>();
    let slug = infin8_core::article::slugify(organization);
    format!(
        r#"# infin8 configuration: one organization and one content campaign.
# Run `infin8 run` next to this file (the data goes into infin8.sqlite beside it, or into
# PostgreSQL when DATABASE_URL is set). Unknown keys are errors.

[organization]
name = {name}
website = {website}
# What you sell and to whom, in plain words: the ideal customer profile and the keyword
# research start from it.
business_description = {business}
target_audiences = ["marketing teams", "founders"]

[campaign]
title = "Content campaign"
# Competitor sites (URLs or domains): the keywords they rank for seed the research.
competitors = [
{competitors}]
# Market and language by name. Markets: United States, United Kingdom, Canada, Australia,
# Ireland, New Zealand, India, Singapore, South Africa, Germany, Austria, Switzerland, France,
# Belgium, Netherlands, Spain, Mexico, Italy, Portugal, Brazil, Sweden, Denmark, Norway, Finland,
# Poland, Japan. Languages: English, German, French, Spanish, Italian, Portuguese, Dutch, Swedish,
# Danish, Norwegian, Finnish, Polish, Japanese.
market = "United States"
language = "English"
# Your own and third-party brand names: keywords naming them are navigational (rejected unless
# they compare: "x alternatives", "x vs y" are kept).
brand_terms = []
# Most this campaign may spend, in US dollars (offline runs simulate list prices).
budget_usd = 25.0

[pipeline]
max_competitors = 5
keywords_per_competitor = 100
# Seed keywords you review (`infin8 review seeds`) before longtails are researched.
max_seeds = 20
longtails_per_seed = 20
max_articles = 10
max_sections = 8
sources_per_section = 5
# "hubs_only" (pillar pages) or "hubs_and_spokes" (pillars and supporting articles).
article_scope = "hubs_and_spokes"
# "none", "human" (review subtopics before articles are written) or "auto".
subtopic_review = "none"
# How long web research results are reused ("24h", "7days", "90min").
research_ttl = "24h"
# How long a run holds the workflow before another process may take it over.
lease = "30s"

[filter]
# Minimum monthly searches (0 keeps every keyword).
min_search_volume = 10
# Maximum ranking difficulty 0..100 (100 keeps every keyword); the report says when this cut
# removes high-volume keywords.
max_difficulty = 80
# Allowed languages; empty means the campaign's language, ["*"] means any.
languages = []
# Reject pure brand, login and app queries of competitors (comparisons are always kept).
reject_navigational = true
# Edit similarity (0..1) from which two keywords are near duplicates.
near_duplicate_threshold = 0.9
max_words = 10

[clusters]
# Left out, similarities suit the embedder in use (lower for the offline hashing embeddings).
# similarity_threshold = 0.75
# min_avg_similarity = 0.78
min_spokes = 2
max_spokes = 30
min_hub_volume = 50

[publish]
# "auto" (WordPress when WORDPRESS_URL, WORDPRESS_USERNAME and WORDPRESS_APP_PASSWORD are set,
# HTML files otherwise), "files" or "wordpress".
target = "auto"
directory = "published"
# "draft" or "publish".
status = "draft"
categories = []
"#,
        name = q(organization),
        website = q(&format!("https://{slug}.example")),
        business = q(business),
    )
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
