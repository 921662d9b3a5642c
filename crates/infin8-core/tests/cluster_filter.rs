//! Keyword filtering (step 5): every rule, its reason, their order, and duplicates.

use infin8_core::KeywordId;
use infin8_core::keyword::filter::{
    FilterCandidate, FilterDecision, FilterRules, RejectReason, filter_keywords,
};
use infin8_core::keyword::{FilterStatus, SearchIntent, normalize_keyword};
use proptest::prelude::*;

struct Kw {
    id: KeywordId,
    text: String,
    normalized: String,
    volume: Option<i64>,
    difficulty: Option<i32>,
    intent: Option<SearchIntent>,
}

fn kw(text: &str, volume: Option<i64>) -> Kw {
    Kw {
        id: KeywordId::new(),
        text: text.to_owned(),
        normalized: normalize_keyword(text).unwrap_or_else(|_| text.to_owned()),
        volume,
        difficulty: None,
        intent: None,
    }
}

fn run(kws: &[Kw], rules: &FilterRules) -> Vec<FilterDecision> {
    let candidates: Vec<FilterCandidate<'_>> = kws
        .iter()
        .map(|k| FilterCandidate {
            id: k.id,
            keyword: &k.text,
            normalized: &k.normalized,
            search_volume: k.volume,
            difficulty: k.difficulty,
            intent: k.intent,
            language: None,
        })
        .collect();
    filter_keywords(&candidates, rules)
}

fn rules_of(d: &FilterDecision) -> Vec<String> {
    d.reasons
        .iter()
        .map(|r| {
            serde_json::to_value(r).expect("serializes")["rule"].as_str().expect("has a rule tag").to_owned()
        })
        .collect()
}

#[test]
fn approves_a_clean_keyword() {
    let d = run(&[kw("best crm software for startups", Some(500))], &FilterRules::default());
    assert_eq!(d[0].status, FilterStatus::Approved);
    assert!(d[0].reasons.is_empty());
    assert_eq!(d[0].metadata()["filter"]["status"], "approved");
}

#[test]
fn every_broken_rule_is_listed_in_rule_order() {
    let mut k = kw("hubspot crm pricing", Some(3));
    k.difficulty = Some(95);
    let rules =
        FilterRules { competitor_domains: vec!["https://www.hubspot.com/".into()], ..FilterRules::default() };
    let d = &run(&[k], &rules)[0];
    assert_eq!(d.status, FilterStatus::Rejected);
    assert_eq!(rules_of(d), ["min_search_volume", "max_difficulty", "navigational"]);
    assert!(d.is_navigational);
    let meta = d.metadata();
    assert_eq!(
        meta["filter"]["reasons"][0],
        serde_json::json!({"rule": "min_search_volume", "volume": 3, "min": 10})
    );
    assert_eq!(
        meta["filter"]["reasons"][1],
        serde_json::json!({"rule": "max_difficulty", "difficulty": 95, "max": 80})
    );
    assert_eq!(meta["filter"]["reasons"][2]["source"], "competitor_domain");
}

#[test]
fn length_bounds() {
    let long = (0..12).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
    let d = run(
        &[kw("a", Some(100)), kw(&long, Some(100)), kw("ok keyword", Some(100))],
        &FilterRules::default(),
    );
    assert_eq!(rules_of(&d[0]), ["too_short"]);
    assert_eq!(rules_of(&d[1]), ["too_long"]);
    assert_eq!(d[2].status, FilterStatus::Approved);
}

#[test]
fn unknown_volume_and_difficulty_pass_unless_asked() {
    let k = [kw("crm for dentists", None)];
    assert_eq!(run(&k, &FilterRules::default())[0].status, FilterStatus::Approved);
    let strict = FilterRules { reject_unknown_volume: true, ..FilterRules::default() };
    let d = &run(&k, &strict)[0];
    assert_eq!(d.reasons, [RejectReason::MinSearchVolume { volume: None, min: 10 }]);
    let off = FilterRules { min_search_volume: None, max_difficulty: None, ..FilterRules::default() };
    let mut hard = kw("tiny", Some(0));
    hard.difficulty = Some(100);
    assert_eq!(run(&[hard], &off)[0].status, FilterStatus::Approved);
}

#[test]
fn foreign_language_is_detected_and_recorded() {
    let rules = FilterRules { allowed_languages: vec!["en".into()], ..FilterRules::default() };
    let d = run(
        &[kw("wie kann ich meine steuererklärung online machen", Some(100)), kw("crm software", Some(100))],
        &rules,
    );
    assert!(d[0].is_foreign_language);
    assert_eq!(d[0].detected_language.as_deref(), Some("de"));
    assert_eq!(rules_of(&d[0]), ["foreign_language"]);
    // Too short to tell: kept, no language claimed.
    assert!(!d[1].is_foreign_language);
    assert_eq!(d[1].status, FilterStatus::Approved);
    // Without allowed languages nothing is foreign, but the detection is still recorded.
    let any =
        run(&[kw("wie kann ich meine steuererklärung online machen", Some(100))], &FilterRules::default());
    assert!(!any[0].is_foreign_language);
    assert_eq!(any[0].detected_language.as_deref(), Some("de"));
}

#[test]
fn navigational_by_brand_domain_and_intent() {
    let rules = FilterRules {
        brand_terms: vec!["Acme Cloud".into()],
        competitor_domains: vec!["pipedrive.com".into()],
        ..FilterRules::default()
    };
    let mut nav = kw("login page", Some(100));
    nav.intent = Some(SearchIntent::Navigational);
    let d = run(
        &[
            kw("acme cloud pricing", Some(100)),
            kw("pipedrive alternatives", Some(100)),
            kw("pipedrive.com reviews", Some(100)),
            nav,
            kw("acmecloud", Some(100)),       // not the whole words "acme cloud"
            kw("pipedriver jobs", Some(100)), // "pipedrive" only as part of a word
        ],
        &rules,
    );
    for (i, source) in [(0, "brand_term"), (2, "competitor_domain"), (3, "intent")] {
        assert!(d[i].is_navigational, "{i}");
        assert_eq!(serde_json::to_value(&d[i].reasons[0]).unwrap()["source"], source, "{i}");
    }
    // A comparison naming a competitor is commercial investigation, not navigational (issue 14).
    assert!(!d[1].is_navigational);
    assert_eq!(d[1].status, FilterStatus::Approved);
    assert_eq!(d[4].status, FilterStatus::Approved);
    assert_eq!(d[5].status, FilterStatus::Approved);
    let keep = FilterRules { reject_navigational: false, ..rules };
    let d = run(&[kw("acme cloud pricing", Some(100))], &keep);
    assert!(d[0].is_navigational);
    assert_eq!(d[0].status, FilterStatus::Approved);
}

#[test]
fn duplicates_keep_the_higher_volume_one() {
    let kws = [
        kw("crm software", Some(100)),
        kw("CRM  Software", Some(900)), // exact (after normalization), higher volume
        kw("software crm", Some(50)),   // same words
        kw("crm softwares", Some(10)),  // near
        kw("crm hardware", Some(10)),   // different (0.75)
    ];
    let d = run(&kws, &FilterRules::default());
    assert_eq!(d[1].status, FilterStatus::Approved);
    for i in [0, 2, 3] {
        assert_eq!(d[i].duplicate_of, Some(kws[1].id), "{i}");
        assert_eq!(rules_of(&d[i]), ["duplicate"], "{i}");
    }
    let kinds: Vec<_> =
        [0, 2, 3].iter().map(|&i| serde_json::to_value(&d[i].reasons[0]).unwrap()["kind"].clone()).collect();
    assert_eq!(kinds, ["exact", "token_set", "near"]);
    assert_eq!(d[4].status, FilterStatus::Approved);
    // Near duplicates off: only exact and word-set ones remain.
    let off = FilterRules { near_duplicate_threshold: None, ..FilterRules::default() };
    assert_eq!(run(&kws, &off)[3].status, FilterStatus::Approved);
}

#[test]
fn a_duplicate_that_passes_beats_a_higher_volume_one_that_does_not() {
    let mut hard = kw("crm software", Some(900));
    hard.difficulty = Some(99);
    let easy = kw("crm software", Some(100));
    let (hard_id, easy_id) = (hard.id, easy.id);
    let d = run(&[hard, easy], &FilterRules::default());
    assert_eq!(d[1].status, FilterStatus::Approved);
    assert_eq!(d[0].duplicate_of, Some(easy_id));
    assert_eq!(rules_of(&d[0]), ["max_difficulty", "duplicate"]);
    assert_ne!(hard_id, easy_id);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Total and consistent: one decision per candidate in input order; approved iff no reason;
    /// a duplicate points at an approved-or-better keyword that is not itself a duplicate;
    /// the same input gives the same output.
    #[test]
    fn decisions_are_total_and_consistent(
        words in prop::collection::vec(("[a-e]{1,4}( [a-e]{1,4}){0,3}", proptest::option::of(0_i64..200)), 0..40),
    ) {
        let kws: Vec<Kw> = words.iter().map(|(t, v)| kw(t, *v)).collect();
        let d = run(&kws, &FilterRules::default());
        prop_assert_eq!(d.len(), kws.len());
        for (k, dec) in kws.iter().zip(&d) {
            prop_assert_eq!(k.id, dec.id);
            prop_assert_eq!(dec.status == FilterStatus::Approved, dec.reasons.is_empty());
            if let Some(of) = dec.duplicate_of {
                let rep = d.iter().find(|x| x.id == of).unwrap();
                prop_assert!(rep.duplicate_of.is_none());
            }
        }
        let again = run(&kws, &FilterRules::default());
        prop_assert_eq!(again, d);
    }
}

#[test]
fn comparisons_naming_competitors_are_kept_but_pure_brand_queries_are_not() {
    let rules = FilterRules {
        competitor_domains: vec!["https://www.mixpanel.com/".into(), "amplitude.com".into()],
        ..FilterRules::default()
    };
    let mut vs_intent = kw("amplitude vs mixpanel", Some(900));
    // Providers often label these navigational; the comparison wins.
    vs_intent.intent = Some(SearchIntent::Navigational);
    let d = run(
        &[
            kw("mixpanel alternatives", Some(1_300)),
            vs_intent,
            kw("tools like mixpanel", Some(200)),
            kw("mixpanel login", Some(5_000)),
            kw("amplitude app", Some(800)),
            kw("mixpanel", Some(40_000)),
        ],
        &rules,
    );
    for (i, d) in d.iter().enumerate() {
        let comparison = i < 3;
        assert_eq!(d.status == FilterStatus::Approved, comparison, "{i}: {:?}", d.reasons);
        assert_eq!(d.is_navigational, !comparison, "{i}");
    }
}
