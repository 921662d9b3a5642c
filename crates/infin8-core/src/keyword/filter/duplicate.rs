//! Exact and near-duplicate detection for filtering.

use std::collections::{BTreeMap, HashMap};

/// How a keyword duplicates an earlier one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum DuplicateKind {
    /// Same normalized text.
    Exact,
    /// Same set of words in another order or repeated ("crm best" ~ "best crm").
    TokenSet,
    /// Normalized Levenshtein similarity ≥ the threshold.
    Near(f64),
}

/// Buckets of the character histogram used as a cheap lower bound on edit distance.
const BUCKETS: usize = 32;

struct Representative {
    index: usize,
    text: String,
    len: usize,
    hist: [u8; BUCKETS],
}

/// A character bigram with its occurrence number in the string (so multisets become sets).
type Token = (char, char, u16);

/// Keeps the representatives seen so far and finds the one a new keyword duplicates.
///
/// Near duplicates are found without comparing every pair: two strings within edit distance `k`
/// share all but at most `2k` of their character bigrams, so with bigrams ordered rarest first,
/// their first `2k + 1` bigrams must intersect ("prefix filtering"). Only those prefixes are
/// indexed and probed; a length window and a character-histogram bound prune the candidates
/// before the Levenshtein computation. Strings too short for the argument are compared with
/// every representative in their length window.
pub(super) struct DuplicateFinder {
    threshold: Option<f64>,
    exact: HashMap<String, usize>,
    token_sets: HashMap<String, usize>,
    reps: Vec<Representative>,
    by_len: BTreeMap<usize, Vec<u32>>,
    postings: HashMap<Token, Vec<u32>>,
    frequency: HashMap<(char, char), u32>,
    seen: Vec<u32>,
    query: u32,
}

impl DuplicateFinder {
    /// A finder; `threshold` `None` disables near duplicates (exact and token-set still apply).
    /// `corpus` (all the texts to be checked) ranks bigrams by rarity.
    pub fn new(threshold: Option<f64>, corpus: &[&str]) -> Self {
        let mut frequency: HashMap<(char, char), u32> = HashMap::new();
        if threshold.is_some() {
            for text in corpus {
                let chars: Vec<char> = text.chars().collect();
                for w in chars.windows(2) {
                    *frequency.entry((w[0], w[1])).or_default() += 1;
                }
            }
        }
        Self {
            threshold,
            exact: HashMap::new(),
            token_sets: HashMap::new(),
            reps: Vec::new(),
            by_len: BTreeMap::new(),
            postings: HashMap::new(),
            frequency,
            seen: Vec::new(),
            query: 0,
        }
    }

    /// The representative `normalized` duplicates (its index, how), or `None` after registering
    /// `index` as a new representative. Callers feed keywords best first.
    pub fn check(&mut self, index: usize, normalized: &str) -> Option<(usize, DuplicateKind)> {
        if let Some(&rep) = self.exact.get(normalized) {
            return Some((rep, DuplicateKind::Exact));
        }
        let key = token_set_key(normalized);
        if let Some(&rep) = self.token_sets.get(&key) {
            return Some((rep, DuplicateKind::TokenSet));
        }
        let Some(t) = self.threshold else {
            self.exact.insert(normalized.to_owned(), index);
            self.token_sets.insert(key, index);
            return None;
        };
        let chars: Vec<char> = normalized.chars().collect();
        let len = chars.len();
        let hist = histogram(normalized);
        let tokens = self.ranked_tokens(&chars);
        let prefix = prefix_len(len, t).min(tokens.len());
        let short = tokens.len() < prefix_len(len, t);
        if let Some(found) = self.near(normalized, len, &hist, &tokens[..prefix], short, t) {
            return Some(found);
        }
        self.exact.insert(normalized.to_owned(), index);
        self.token_sets.insert(key, index);
        let id = u32::try_from(self.reps.len()).unwrap_or(u32::MAX);
        for token in &tokens[..prefix] {
            self.postings.entry(*token).or_default().push(id);
        }
        self.by_len.entry(len).or_default().push(id);
        self.reps.push(Representative { index, text: normalized.to_owned(), len, hist });
        self.seen.push(0);
        None
    }

    /// The bigram tokens of `chars`, rarest first (ties: by bigram, then occurrence).
    fn ranked_tokens(&self, chars: &[char]) -> Vec<Token> {
        let mut count: HashMap<(char, char), u16> = HashMap::new();
        let mut tokens: Vec<Token> = chars
            .windows(2)
            .map(|w| {
                let c = count.entry((w[0], w[1])).or_default();
                *c = c.saturating_add(1);
                (w[0], w[1], *c)
            })
            .collect();
        tokens.sort_by_key(|&(a, b, o)| (self.frequency.get(&(a, b)).copied().unwrap_or(0), a, b, o));
        tokens
    }

    /// The most similar representative with similarity ≥ `t` (ties: the earliest).
    fn near(
        &mut self,
        text: &str,
        len: usize,
        hist: &[u8; BUCKETS],
        prefix: &[Token],
        short: bool,
        t: f64,
    ) -> Option<(usize, DuplicateKind)> {
        // sim = 1 - dist / max(len, m) ≥ t  ⇔  dist ≤ (1 - t) · max(len, m); dist ≥ |len - m|.
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (min_m, max_m) =
            (((len as f64) * t - 1e-9).ceil() as usize, ((len as f64) / t.max(1e-9) + 1e-9).floor() as usize);
        let mut candidates: Vec<u32> = Vec::new();
        if short {
            for ids in self.by_len.range(min_m..=max_m.max(min_m)).map(|(_, ids)| ids) {
                candidates.extend_from_slice(ids);
            }
        } else {
            // Visit stamps: `seen[id] == stamp` marks a candidate already taken this query.
            self.query = self.query.wrapping_add(1);
            let stamp = self.query;
            for token in prefix {
                for &id in self.postings.get(token).map_or(&[][..], Vec::as_slice) {
                    if let Some(s) = self.seen.get_mut(id as usize)
                        && *s != stamp
                    {
                        *s = stamp;
                        candidates.push(id);
                    }
                }
            }
        }
        let mut best: Option<(usize, f64)> = None;
        for id in candidates {
            let Some(rep) = self.reps.get(id as usize) else { continue };
            let m = rep.len;
            if m < min_m || m > max_m {
                continue;
            }
            #[allow(clippy::cast_precision_loss)]
            let allowed = (1.0 - t) * len.max(m) as f64 + 1e-9;
            #[allow(clippy::cast_precision_loss)]
            if (len.abs_diff(m) as f64) > allowed {
                continue;
            }
            let l1: u32 = hist.iter().zip(&rep.hist).map(|(&a, &b)| u32::from(a.abs_diff(b))).sum();
            if f64::from(l1) / 2.0 > allowed {
                continue;
            }
            let sim = strsim::normalized_levenshtein(text, &rep.text);
            if sim >= t && best.is_none_or(|(i, s)| sim > s || (sim == s && rep.index < i)) {
                best = Some((rep.index, sim));
            }
        }
        best.map(|(i, s)| (i, DuplicateKind::Near(s)))
    }
}

/// Bigrams to index or probe for a string of `len` characters: `2k + 1` for the largest edit
/// distance `k` it can have to any string within the length window.
fn prefix_len(len: usize, t: f64) -> usize {
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let k = ((1.0 - t) * (len as f64) / t.max(1e-9) + 1e-9).floor() as usize;
    2 * k + 1
}

/// Sorted, deduplicated words joined by a space.
fn token_set_key(text: &str) -> String {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    words.sort_unstable();
    words.dedup();
    words.join(" ")
}

/// Character counts folded into [`BUCKETS`] buckets (saturating).
fn histogram(text: &str) -> [u8; BUCKETS] {
    let mut h = [0_u8; BUCKETS];
    for c in text.chars() {
        let slot = (c as usize).wrapping_mul(2_654_435_761) >> 7;
        if let Some(x) = h.get_mut(slot % BUCKETS) {
            *x = x.saturating_add(1);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exact_token_set_and_near() {
        let mut f = DuplicateFinder::new(Some(0.9), &[]);
        assert_eq!(f.check(0, "best crm software"), None);
        assert_eq!(f.check(1, "best crm software"), Some((0, DuplicateKind::Exact)));
        assert_eq!(f.check(2, "crm software best"), Some((0, DuplicateKind::TokenSet)));
        assert!(matches!(f.check(3, "best crm softwares"), Some((0, DuplicateKind::Near(s))) if s > 0.94));
        assert_eq!(f.check(4, "best cms"), None);
        assert_eq!(f.check(5, "best crm"), None); // 0.875 < 0.9
        let mut off = DuplicateFinder::new(None, &[]);
        assert_eq!(off.check(0, "best crm software"), None);
        assert_eq!(off.check(1, "best crm softwares"), None);
    }

    /// What the finder must return, by comparing with every representative.
    fn brute_force(reps: &[(usize, String)], text: &str, t: f64) -> Option<usize> {
        if let Some((i, _)) = reps.iter().find(|(_, r)| r == text) {
            return Some(*i);
        }
        let key = token_set_key(text);
        if let Some((i, _)) = reps.iter().find(|(_, r)| token_set_key(r) == key) {
            return Some(*i);
        }
        let mut best: Option<(usize, f64)> = None;
        for (i, r) in reps {
            let s = strsim::normalized_levenshtein(text, r);
            if s >= t && best.is_none_or(|(_, bs)| s > bs) {
                best = Some((*i, s));
            }
        }
        best.map(|b| b.0)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn prefilters_never_hide_a_near_duplicate(
            words in proptest::collection::vec("[abc ]{1,14}", 1..40),
            t in proptest::sample::select(vec![0.5, 0.6, 0.75, 0.8, 0.9, 0.95]),
        ) {
            let words: Vec<String> = words.iter().map(|w| w.trim().to_owned()).filter(|w| !w.is_empty()).collect();
            let corpus: Vec<&str> = words.iter().map(String::as_str).collect();
            let mut f = DuplicateFinder::new(Some(t), &corpus);
            let mut reps: Vec<(usize, String)> = Vec::new();
            for (i, w) in words.iter().enumerate() {
                let got = f.check(i, w).map(|g| g.0);
                proptest::prop_assert_eq!(got, brute_force(&reps, w, t), "{} at {}", w, t);
                if got.is_none() {
                    reps.push((i, w.clone()));
                }
            }
        }
    }
}
