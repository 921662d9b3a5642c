//! SERP-overlap clustering: keywords whose top results share enough URLs answer the same need.
//!
//! The rule mirrors [`hub_spoke`](super::hub_spoke) with shared URLs instead of cosine: walk the
//! keywords by volume, highest first (ties: input order); an unassigned keyword becomes a hub and
//! takes every unassigned keyword that shares at least `min_shared_urls` of its top `top_n` URLs
//! with it (with `max_spokes`, the ones sharing most; ties: input order). A spoke's similarity is
//! the shared fraction `shared / top_n`. This is the "soft" SERP clustering of commercial SEO
//! tools: every spoke overlaps its hub (spokes need not overlap each other).
//!
//! URLs are compared after light normalization: scheme, `www.`, fragment and a trailing `/`
//! dropped, host lower-cased. A keyword's duplicate URLs count once.

use super::ClusterError;
use super::hub_spoke::{Cluster, Clustering};
use crate::ids::KeywordId;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Settings of [`cluster_serp_overlap`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SerpOverlapConfig {
    /// Minimum number of shared URLs (default 3, the common choice of SEO tools: one or two shared
    /// URLs happen by chance for big sites, three rarely do).
    pub min_shared_urls: usize,
    /// Only the first `top_n` URLs of each keyword count (default 10).
    pub top_n: usize,
    /// At most this many spokes per hub (default `None`: unbounded).
    pub max_spokes: Option<usize>,
    /// A hub with fewer spokes is reported unclustered (default 1, must be ≥ 1).
    pub min_spokes: usize,
}

impl Default for SerpOverlapConfig {
    fn default() -> Self {
        Self { min_shared_urls: 3, top_n: 10, max_spokes: None, min_spokes: 1 }
    }
}

impl SerpOverlapConfig {
    /// Checks the ranges.
    ///
    /// # Errors
    /// [`ClusterError::InvalidConfig`] if `min_shared_urls` or `top_n` or `min_spokes` is 0, or
    /// `min_shared_urls > top_n`, or `max_spokes < min_spokes`.
    pub fn check(&self) -> Result<(), ClusterError> {
        check_config(self)
    }
}

/// One keyword with its top result URLs, best first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SerpItem<'a> {
    /// The keyword.
    pub id: KeywordId,
    /// Monthly search volume (unknown: 0).
    pub search_volume: i64,
    /// Top organic URLs, best first (as in [`KeywordMetrics::serp_urls`](crate::keyword::KeywordMetrics::serp_urls)).
    pub urls: &'a [String],
}

/// Clusters keywords by shared top URLs (see the [module docs](self)). Keywords without URLs end
/// unclustered.
///
/// # Errors
/// [`ClusterError::InvalidConfig`] if `min_shared_urls` or `top_n` or `min_spokes` is 0, or
/// `min_shared_urls > top_n`, or `max_spokes < min_spokes`;
/// [`ClusterError::DuplicateKeyword`] if an id appears twice.
pub fn cluster_serp_overlap(
    items: &[SerpItem<'_>],
    config: &SerpOverlapConfig,
) -> Result<Clustering, ClusterError> {
    check_config(config)?;
    let mut seen = HashSet::with_capacity(items.len());
    for item in items {
        if !seen.insert(item.id) {
            return Err(ClusterError::DuplicateKeyword { keyword: item.id });
        }
    }
    // URL → dense id; each keyword's sorted, deduplicated URL ids.
    let mut url_ids: HashMap<String, u32> = HashMap::new();
    let mut sets: Vec<Vec<u32>> = Vec::with_capacity(items.len());
    for item in items {
        let mut set: Vec<u32> = Vec::with_capacity(config.top_n);
        for url in item.urls.iter().take(config.top_n) {
            let key = normalize_url(url);
            if key.is_empty() {
                continue;
            }
            let next = u32::try_from(url_ids.len()).unwrap_or(u32::MAX);
            set.push(*url_ids.entry(key).or_insert(next));
        }
        set.sort_unstable();
        set.dedup();
        sets.push(set);
    }
    // Inverted index: URL id → rows holding it, in row order.
    let mut postings: Vec<Vec<u32>> = vec![Vec::new(); url_ids.len()];
    for (row, set) in sets.iter().enumerate() {
        for &u in set {
            if let (Some(list), Ok(r)) = (postings.get_mut(u as usize), u32::try_from(row)) {
                list.push(r);
            }
        }
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| items[b].search_volume.cmp(&items[a].search_volume).then(a.cmp(&b)));

    let mut taken = vec![false; items.len()];
    let mut shared = vec![0_u32; items.len()];
    let mut touched: Vec<usize> = Vec::new();
    let mut out = Clustering::default();
    #[allow(clippy::cast_precision_loss)]
    let top_n = config.top_n as f32;
    for &hub in &order {
        if taken[hub] {
            continue;
        }
        taken[hub] = true;
        touched.clear();
        for &u in &sets[hub] {
            for &r in postings.get(u as usize).map_or(&[][..], Vec::as_slice) {
                let r = r as usize;
                if !taken[r] {
                    if shared[r] == 0 {
                        touched.push(r);
                    }
                    shared[r] += 1;
                }
            }
        }
        let mut spokes: Vec<(usize, u32)> = touched
            .iter()
            .filter(|&&r| shared[r] as usize >= config.min_shared_urls)
            .map(|&r| (r, shared[r]))
            .collect();
        for &r in &touched {
            shared[r] = 0;
        }
        spokes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if let Some(max) = config.max_spokes {
            spokes.truncate(max);
        }
        if spokes.len() < config.min_spokes {
            out.unclustered.push(items[hub].id);
            continue;
        }
        for &(r, _) in &spokes {
            taken[r] = true;
        }
        #[allow(clippy::cast_precision_loss)]
        out.clusters.push(Cluster {
            hub: items[hub].id,
            spokes: spokes.iter().map(|&(r, n)| (items[r].id, n as f32 / top_n)).collect(),
        });
    }
    Ok(out)
}

fn check_config(config: &SerpOverlapConfig) -> Result<(), ClusterError> {
    if config.min_shared_urls == 0 {
        return Err(ClusterError::config("min_shared_urls", "must be at least 1"));
    }
    if config.top_n == 0 || config.min_shared_urls > config.top_n {
        return Err(ClusterError::config("top_n", "must be at least min_shared_urls"));
    }
    if config.min_spokes == 0 {
        return Err(ClusterError::config("min_spokes", "must be at least 1"));
    }
    if config.max_spokes.is_some_and(|m| m < config.min_spokes) {
        return Err(ClusterError::config("max_spokes", "must be at least min_spokes"));
    }
    Ok(())
}

/// `https://WWW.Example.com/a/#x` → `example.com/a`.
fn normalize_url(url: &str) -> String {
    let url = url.trim();
    let url = url.split('#').next().unwrap_or(url);
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let path = path.trim_end_matches('/');
    if path.is_empty() { host.to_owned() } else { format!("{host}/{path}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn normalizes_urls() {
        assert_eq!(normalize_url("https://WWW.Example.com/a/#x"), "example.com/a");
        assert_eq!(normalize_url("http://example.com"), "example.com");
        assert_eq!(normalize_url("example.com/"), "example.com");
    }

    #[test]
    fn clusters_by_shared_urls_hub_is_highest_volume() {
        let ids: Vec<KeywordId> = (0..4).map(|_| KeywordId::new()).collect();
        let a = urls(&["a.com/1", "b.com/2", "c.com/3", "d.com/4"]);
        let b = urls(&["https://a.com/1/", "b.com/2", "c.com/3", "z.com"]);
        let c = urls(&["a.com/1", "b.com/2", "y.com"]); // shares 2: not enough
        let d = urls(&[]);
        let items = [
            SerpItem { id: ids[0], search_volume: 10, urls: &a },
            SerpItem { id: ids[1], search_volume: 90, urls: &b },
            SerpItem { id: ids[2], search_volume: 50, urls: &c },
            SerpItem { id: ids[3], search_volume: 5, urls: &d },
        ];
        let out = cluster_serp_overlap(&items, &SerpOverlapConfig::default()).unwrap();
        assert_eq!(out.clusters.len(), 1);
        assert_eq!(out.clusters[0].hub, ids[1]);
        assert_eq!(out.clusters[0].spokes, vec![(ids[0], 0.3)]);
        assert_eq!(out.unclustered, vec![ids[2], ids[3]]);
    }

    #[test]
    fn rejects_bad_config_and_duplicates() {
        let bad = SerpOverlapConfig { min_shared_urls: 11, ..SerpOverlapConfig::default() };
        assert!(matches!(cluster_serp_overlap(&[], &bad), Err(ClusterError::InvalidConfig { .. })));
        let id = KeywordId::new();
        let items = [SerpItem { id, search_volume: 1, urls: &[] }; 2];
        assert_eq!(
            cluster_serp_overlap(&items, &SerpOverlapConfig::default()),
            Err(ClusterError::DuplicateKeyword { keyword: id })
        );
    }
}
