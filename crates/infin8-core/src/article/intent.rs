//! Search intent for articles: which intent a keyword has, and the title, section headings and
//! conclusion that fit it. An informational keyword gets a guide, a commercial one a comparison, a
//! transactional one plans, prices and next steps (never "a practical guide"), a navigational one
//! a short overview.

use crate::keyword::SearchIntent;

/// Words that signal an intent, checked as whole words of the keyword.
const TRANSACTIONAL: &[&str] = &[
    "buy",
    "price",
    "prices",
    "pricing",
    "cost",
    "costs",
    "cheap",
    "discount",
    "coupon",
    "deal",
    "deals",
    "order",
    "purchase",
    "trial",
    "download",
    "signup",
    "subscribe",
    "subscription",
    "quote",
    "hire",
    "demo",
    "free",
];
const COMMERCIAL: &[&str] = &[
    "best",
    "top",
    "vs",
    "versus",
    "review",
    "reviews",
    "compare",
    "comparison",
    "alternative",
    "alternatives",
    "software",
    "tool",
    "tools",
    "platform",
    "platforms",
    "app",
    "apps",
    "vendor",
    "vendors",
    "solution",
    "solutions",
];
const NAVIGATIONAL: &[&str] = &["login", "signin", "website", "official", "dashboard", "account"];
const QUESTION: &[&str] =
    &["how", "what", "why", "when", "which", "who", "where", "can", "should", "is", "are", "do", "does"];
/// Modifiers dropped from a keyword to name its subject ("best crm software" → "crm software").
const MODIFIERS: &[&str] = &["best", "top", "cheap", "free", "buy", "affordable"];

/// Terms written in a fixed case in titles and headings.
const DISPLAY_CASE: &[(&str, &str)] = &[
    ("saas", "SaaS"),
    ("b2b", "B2B"),
    ("b2c", "B2C"),
    ("crm", "CRM"),
    ("seo", "SEO"),
    ("gdpr", "GDPR"),
    ("sql", "SQL"),
    ("api", "API"),
    ("apis", "APIs"),
    ("ab", "A/B"),
    ("kpi", "KPI"),
    ("kpis", "KPIs"),
    ("roi", "ROI"),
    ("ai", "AI"),
    ("ui", "UI"),
    ("ux", "UX"),
    ("erp", "ERP"),
    ("hr", "HR"),
    ("ppc", "PPC"),
];

fn words(keyword: &str) -> Vec<String> {
    keyword
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .collect()
}

/// The intent of a keyword: the one its metrics give when known, else guessed from its words
/// (question words → informational; `login`, `website` → navigational; `buy`, `pricing`, `trial`
/// → transactional; `best`, `vs`, `software`, `alternatives` → commercial; otherwise
/// informational).
///
/// ```
/// use infin8_core::article::intent::classify_intent;
/// use infin8_core::keyword::SearchIntent;
/// assert_eq!(classify_intent("buy crm software", None), SearchIntent::Transactional);
/// assert_eq!(classify_intent("best crm software", None), SearchIntent::Commercial);
/// assert_eq!(classify_intent("how to reduce churn", None), SearchIntent::Informational);
/// assert_eq!(classify_intent("customer retention", Some(SearchIntent::Commercial)), SearchIntent::Commercial);
/// ```
#[must_use]
pub fn classify_intent(keyword: &str, known: Option<SearchIntent>) -> SearchIntent {
    if let Some(intent) = known {
        return intent;
    }
    let w = words(keyword);
    let has = |list: &[&str]| w.iter().any(|x| list.contains(&x.as_str()));
    if w.first().is_some_and(|f| QUESTION.contains(&f.as_str())) {
        SearchIntent::Informational
    } else if has(NAVIGATIONAL) {
        SearchIntent::Navigational
    } else if has(TRANSACTIONAL) {
        SearchIntent::Transactional
    } else if has(COMMERCIAL) {
        SearchIntent::Commercial
    } else {
        SearchIntent::Informational
    }
}

/// A keyword as shown in titles: known terms in their usual case (`b2b saas` → `B2B SaaS`), the
/// rest as written.
#[must_use]
pub fn display_keyword(keyword: &str) -> String {
    keyword
        .split_whitespace()
        .map(|w| {
            let lower = w.to_lowercase();
            DISPLAY_CASE
                .iter()
                .find(|(k, _)| *k == lower)
                .map_or_else(|| w.to_string(), |(_, v)| (*v).to_string())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The subject of a keyword for headings: the keyword without leading modifiers such as `best`
/// or `top` (`best crm software` → `crm software`), in display case.
#[must_use]
pub fn subject(keyword: &str) -> String {
    let kept: Vec<&str> = keyword.split_whitespace().collect();
    let start = kept.iter().take_while(|w| MODIFIERS.contains(&w.to_lowercase().as_str())).count();
    let rest = if start < kept.len() { kept[start..].join(" ") } else { keyword.trim().to_string() };
    display_keyword(&rest)
}

fn first_upper(s: &str) -> String {
    super::plan::capitalize(s)
}

/// Whether a proposed title fits the intent: it contains the keyword, and a transactional or
/// navigational title does not promise a guide or tutorial.
#[must_use]
pub fn title_fits(title: &str, keyword: &str, intent: SearchIntent) -> bool {
    let t = title.to_lowercase();
    if keyword.trim().is_empty() || !t.contains(&keyword.trim().to_lowercase()) {
        return false;
    }
    match intent {
        SearchIntent::Transactional | SearchIntent::Navigational => {
            !["guide", "tutorial", "what is", "introduction"].iter().any(|w| t.contains(w))
        }
        SearchIntent::Informational | SearchIntent::Commercial => true,
    }
}

/// The title for a keyword of this intent, containing the keyword (in display case).
///
/// ```
/// use infin8_core::article::intent::title_for;
/// use infin8_core::keyword::SearchIntent::*;
/// assert_eq!(title_for("crm pricing", Transactional), "CRM pricing: plans, costs and how to start");
/// assert_eq!(title_for("best b2b saas", Commercial), "Best B2B SaaS: how to compare your options");
/// assert_eq!(title_for("how to reduce churn", Informational), "How to reduce churn: a step-by-step guide");
/// ```
#[must_use]
pub fn title_for(keyword: &str, intent: SearchIntent) -> String {
    let kw = display_keyword(keyword.trim());
    let w = words(keyword);
    let first = w.first().map_or("", String::as_str);
    match intent {
        SearchIntent::Informational if first == "how" => {
            format!("{}: a step-by-step guide", first_upper(&kw))
        }
        SearchIntent::Informational if QUESTION.contains(&first) => {
            format!("{}? A clear answer", first_upper(kw.trim_end_matches('?')))
        }
        SearchIntent::Informational => {
            format!("{} explained: what matters and how to start", first_upper(&kw))
        }
        SearchIntent::Commercial if w.iter().any(|x| x == "vs" || x == "versus") => {
            format!("{}: which one fits your team", first_upper(&kw))
        }
        SearchIntent::Commercial if w.iter().any(|x| x.starts_with("alternative")) => {
            format!("{}: the options worth a look", first_upper(&kw))
        }
        SearchIntent::Commercial => format!("{}: how to compare your options", first_upper(&kw)),
        SearchIntent::Transactional
            if w.iter().any(|x| ["price", "prices", "pricing", "cost", "costs"].contains(&x.as_str())) =>
        {
            format!("{}: plans, costs and how to start", first_upper(&kw))
        }
        SearchIntent::Transactional => format!("{}: what to check before you sign up", first_upper(&kw)),
        SearchIntent::Navigational => format!("{}: a quick overview", first_upper(&kw)),
    }
}

/// The body section headings for a keyword of this intent when the model proposed none usable
/// (between the lead and the conclusion; subtopics are added by the outline).
#[must_use]
pub fn body_headings(keyword: &str, intent: SearchIntent) -> Vec<String> {
    let s = subject(keyword);
    match intent {
        SearchIntent::Informational => vec![
            format!("The basics of {s}"),
            format!("The case for {s}"),
            format!("Getting started with {s}"),
        ],
        SearchIntent::Commercial => vec![
            format!("What to look for in {s}"),
            "How the main options compare".to_string(),
            "What it costs to switch".to_string(),
        ],
        SearchIntent::Transactional => vec![
            "Plans and what they include".to_string(),
            "What drives the price".to_string(),
            "How to get started".to_string(),
        ],
        SearchIntent::Navigational => {
            vec![format!("What {s} offers"), "Where to find what you need".to_string()]
        }
    }
}

/// The conclusion's heading for this intent.
#[must_use]
pub fn conclusion_heading(intent: SearchIntent) -> &'static str {
    match intent {
        SearchIntent::Informational => "Key takeaways",
        SearchIntent::Commercial => "Which option fits you",
        SearchIntent::Transactional => "Next steps",
        SearchIntent::Navigational => "Summary",
    }
}

/// What the section prompt asks of a section of this intent (one line for the model).
#[must_use]
pub fn writing_brief(intent: SearchIntent) -> &'static str {
    match intent {
        SearchIntent::Informational => {
            "The reader wants to understand: explain plainly, define terms, give examples."
        }
        SearchIntent::Commercial => {
            "The reader is comparing options: give criteria, trade-offs and evidence, no hype."
        }
        SearchIntent::Transactional => {
            "The reader is ready to act: be concrete about plans, prices, steps and what to check; not a tutorial."
        }
        SearchIntent::Navigational => {
            "The reader looks for a specific product or site: be brief and factual."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn transactional_is_never_a_practical_guide() {
        for kw in ["buy customer privacy", "crm pricing", "analytics free trial"] {
            let intent = classify_intent(kw, None);
            assert_eq!(intent, SearchIntent::Transactional, "{kw}");
            let title = title_for(kw, intent);
            assert!(!title.to_lowercase().contains("guide"), "{title}");
            assert!(title_fits(&title, kw, intent), "{title}");
        }
        assert!(!title_fits(
            "Buy customer privacy: a practical guide",
            "buy customer privacy",
            SearchIntent::Transactional
        ));
    }

    #[test]
    fn subjects_and_display_case() {
        assert_eq!(subject("best b2b saas"), "B2B SaaS");
        assert_eq!(subject("top ab testing tools"), "A/B testing tools");
        assert_eq!(subject("best"), "best");
        assert_eq!(display_keyword("gdpr and crm"), "GDPR and CRM");
        assert_eq!(conclusion_heading(SearchIntent::Transactional), "Next steps");
        assert!(body_headings("crm", SearchIntent::Commercial)[0].contains("CRM"));
    }

    proptest! {
        #[test]
        fn titles_contain_the_keyword_and_fit(kw in "[a-zA-Z ]{1,40}", i in 0usize..4) {
            prop_assume!(!kw.trim().is_empty());
            let intent = [SearchIntent::Informational, SearchIntent::Commercial, SearchIntent::Transactional, SearchIntent::Navigational][i];
            let title = title_for(&kw, intent);
            let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase().replace("a/b", "ab");
            prop_assert!(norm(&title).contains(&norm(&kw).trim_end_matches('?').to_string()), "{} / {}", title, kw);
        }
    }
}
