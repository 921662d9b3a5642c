//! The fixed word lists the offline keyword source generates from: a generic topic vocabulary,
//! domain and suggestion templates, SERP sites and intent modifiers.

use infin8_core::keyword::SearchIntent;

/// Generic business and marketing topics mixed into the keywords of every domain when no
/// business topics are given.
pub(super) const VOCABULARY: &[&str] = &[
    "crm software",
    "email marketing",
    "content marketing",
    "project management",
    "customer retention",
    "lead generation",
    "social media scheduling",
    "invoice software",
    "sales pipeline",
    "seo audit",
    "marketing automation",
    "customer onboarding",
    "help desk software",
    "team collaboration",
    "landing page builder",
    "small business accounting",
    "b2b marketing",
    "conversion rate optimization",
    "employee scheduling",
    "inventory management",
];

/// Suffixes that turn a domain's own words into keywords it would rank for.
pub(super) const DOMAIN_PATTERNS: &[&str] = &["{w} software", "{w} tools", "{w} platform", "{w} services"];

/// Expansion templates for a seed, with the intent each one carries and its language.
pub(super) const SUGGESTION_TEMPLATES: &[(&str, SearchIntent, &str)] = &[
    ("{seed} for small business", SearchIntent::Commercial, "en"),
    ("best {seed}", SearchIntent::Commercial, "en"),
    ("how to choose {seed}", SearchIntent::Informational, "en"),
    ("{seed} pricing", SearchIntent::Transactional, "en"),
    ("what is {seed}", SearchIntent::Informational, "en"),
    ("{seed} alternatives", SearchIntent::Commercial, "en"),
    ("{seed} for startups", SearchIntent::Commercial, "en"),
    ("free {seed}", SearchIntent::Transactional, "en"),
    ("{seed} examples", SearchIntent::Informational, "en"),
    ("{seed} best practices", SearchIntent::Informational, "en"),
    ("{seed} comparison", SearchIntent::Commercial, "en"),
    ("{seed} checklist", SearchIntent::Informational, "en"),
    ("{seed} for agencies", SearchIntent::Commercial, "en"),
    ("{seed} tips", SearchIntent::Informational, "en"),
    ("how does {seed} work", SearchIntent::Informational, "en"),
    ("{seed} reviews", SearchIntent::Commercial, "en"),
    ("{seed} guide for beginners", SearchIntent::Informational, "en"),
    ("buy {seed}", SearchIntent::Transactional, "en"),
    ("{seed} trends 2026", SearchIntent::Informational, "en"),
    ("{seed} mistakes to avoid", SearchIntent::Informational, "en"),
    // Near-duplicates, for the filter's duplicate detection.
    ("{seed} for small businesses", SearchIntent::Commercial, "en"),
    ("best {seed}s", SearchIntent::Commercial, "en"),
    ("{seed} prices", SearchIntent::Transactional, "en"),
    // Non-English, for the language filter.
    ("{seed} para pequeñas empresas", SearchIntent::Commercial, "es"),
    ("meilleur {seed}", SearchIntent::Commercial, "fr"),
    ("{seed} für kleine unternehmen", SearchIntent::Commercial, "de"),
    // Navigational, for the brand/navigational filter.
    ("{seed} login", SearchIntent::Navigational, "en"),
    ("{seed} app download", SearchIntent::Navigational, "en"),
];

/// Sites the generated SERPs are made of (all under the reserved `.example` top-level domain).
pub(super) const SITES: &[&str] = &[
    "www.bizguide.example",
    "blog.growthdesk.example",
    "www.smallbizhub.example",
    "learn.marketcraft.example",
    "www.reviewlane.example",
    "docs.opsplaybook.example",
    "www.founderfield.example",
    "news.tradewire.example",
    "www.compareit.example",
    "academy.saleslab.example",
    "www.howtohq.example",
    "community.teamforum.example",
];

/// Words that shape a keyword's intent but not its topic.
pub(super) const MODIFIERS: &[&str] = &[
    "best",
    "buy",
    "cheap",
    "choose",
    "comparison",
    "download",
    "examples",
    "free",
    "guide",
    "login",
    "pricing",
    "reviews",
    "tips",
    "vs",
    "work",
];
