//! Hub-and-spoke clustering: quality on planted topics, properties, determinism, input errors.

use infin8_core::KeywordId;
use infin8_core::cluster::validate::{KeywordFacts, ValidationRules, validate_clusters};
use infin8_core::cluster::{ClusterError, ClusterItem, Clustering, HubSpokeConfig, cluster_hub_spoke};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

/// splitmix64 + Box–Muller: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1_u64 << 53) as f64
    }

    fn gauss(&mut self) -> f32 {
        let (u, v) = (self.uniform().max(1e-12), self.uniform());
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }

    fn unit(&mut self, dim: usize) -> Vec<f32> {
        let mut v: Vec<f32> = (0..dim).map(|_| self.gauss()).collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= n);
        v
    }
}

/// The model of `shared/perf/make_vectors.py`: topic centres uniform on the sphere, Zipf topic
/// sizes, point = normalize(centre + s·z/√d) with s² ~ U[0.11, 0.33] (within-topic cosine
/// ~0.75–0.9), log-normal volumes. Returns (vectors, volumes, topic per row).
fn planted(seed: u64, n: usize, dim: usize, topics: usize) -> (Vec<Vec<f32>>, Vec<i64>, Vec<usize>) {
    let mut rng = Rng(seed);
    let centres: Vec<Vec<f32>> = (0..topics).map(|_| rng.unit(dim)).collect();
    let weights: Vec<f64> = (1..=topics).map(|k| 1.0 / k as f64).collect();
    let total: f64 = weights.iter().sum();
    let mut labels = Vec::with_capacity(n);
    for (k, w) in weights.iter().enumerate() {
        let size = ((w / total) * (n - topics) as f64).floor() as usize + 1;
        labels.extend(std::iter::repeat_n(k, size));
    }
    labels.truncate(n);
    while labels.len() < n {
        labels.push(0);
    }
    // Shuffle (Fisher–Yates) so topics are not contiguous.
    for i in (1..n).rev() {
        let j = (rng.uniform() * (i + 1) as f64) as usize;
        labels.swap(i, j.min(i));
    }
    let vectors = labels
        .iter()
        .map(|&k| {
            let s = (0.11 + 0.22 * rng.uniform()).sqrt() as f32 / (dim as f32).sqrt();
            let mut v: Vec<f32> = centres[k].iter().map(|&c| c + s * rng.gauss()).collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= norm);
            v
        })
        .collect();
    let volumes =
        (0..n).map(|_| ((5.0 + 1.5 * f64::from(rng.gauss())).exp().round() as i64).max(10)).collect();
    (vectors, volumes, labels)
}

fn ids(n: usize) -> Vec<KeywordId> {
    (0..n).map(|i| KeywordId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1))).collect()
}

fn items<'a>(ids: &[KeywordId], vectors: &'a [Vec<f32>], volumes: &[i64]) -> Vec<ClusterItem<'a>> {
    ids.iter()
        .zip(vectors)
        .zip(volumes)
        .map(|((&id, v), &search_volume)| ClusterItem { id, search_volume, embedding: v })
        .collect()
}

/// Cluster label per row: clusters numbered in order, every unclustered keyword its own label.
fn labels(clustering: &Clustering, ids: &[KeywordId]) -> Vec<usize> {
    let row: HashMap<KeywordId, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut out = vec![usize::MAX; ids.len()];
    for (c, cluster) in clustering.clusters.iter().enumerate() {
        out[row[&cluster.hub]] = c;
        for (s, _) in &cluster.spokes {
            out[row[s]] = c;
        }
    }
    let mut next = clustering.clusters.len();
    for l in &mut out {
        if *l == usize::MAX {
            *l = next;
            next += 1;
        }
    }
    out
}

/// Adjusted Rand index (Hubert & Arabie).
fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    let pairs = |x: f64| x * (x - 1.0) / 2.0;
    let mut joint: HashMap<(usize, usize), f64> = HashMap::new();
    let (mut ca, mut cb): (HashMap<usize, f64>, HashMap<usize, f64>) = (HashMap::new(), HashMap::new());
    for (&x, &y) in a.iter().zip(b) {
        *joint.entry((x, y)).or_default() += 1.0;
        *ca.entry(x).or_default() += 1.0;
        *cb.entry(y).or_default() += 1.0;
    }
    let index: f64 = joint.values().map(|&n| pairs(n)).sum();
    let sa: f64 = ca.values().map(|&n| pairs(n)).sum();
    let sb: f64 = cb.values().map(|&n| pairs(n)).sum();
    let expected = sa * sb / pairs(a.len() as f64);
    let max = (sa + sb) / 2.0;
    (index - expected) / (max - expected)
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

#[test]
fn recovers_planted_topics() {
    // 3,000 keywords, 60 topics (Zipf sizes), 384 dimensions.
    let (vectors, volumes, topics) = planted(42, 3000, 384, 60);
    let ids = ids(vectors.len());
    let config = HubSpokeConfig { threshold: 0.7, ..HubSpokeConfig::default() };
    let out = cluster_hub_spoke(&items(&ids, &vectors, &volumes), &config).unwrap();
    let ari = adjusted_rand_index(&topics, &labels(&out, &ids));
    assert!(ari >= 0.9, "ARI {ari}");
    // A threshold far too high shatters the topics: the test can fail.
    let strict = HubSpokeConfig { threshold: 0.97, ..HubSpokeConfig::default() };
    let shattered = cluster_hub_spoke(&items(&ids, &vectors, &volumes), &strict).unwrap();
    assert!(adjusted_rand_index(&topics, &labels(&shattered, &ids)) < 0.5);
}

#[test]
fn dense_keyword_exports_cluster_with_noise_left_alone() {
    // One topic per ~14 keywords plus 10% noise rows (singletons).
    let (mut vectors, mut volumes, mut topics) = planted(7, 1800, 256, 1800 / 14);
    let mut rng = Rng(99);
    for i in 0..200 {
        vectors.push(rng.unit(256));
        volumes.push(10 + i);
        topics.push(10_000 + i as usize);
    }
    let ids = ids(vectors.len());
    let config = HubSpokeConfig { threshold: 0.7, ..HubSpokeConfig::default() };
    let out = cluster_hub_spoke(&items(&ids, &vectors, &volumes), &config).unwrap();
    let ari = adjusted_rand_index(&topics, &labels(&out, &ids));
    assert!(ari >= 0.9, "ARI {ari}");
    let noise: HashSet<KeywordId> = ids[1800..].iter().copied().collect();
    let noise_unclustered = out.unclustered.iter().filter(|id| noise.contains(id)).count();
    assert!(noise_unclustered >= 195, "{noise_unclustered} of 200 noise rows unclustered");
}

#[test]
fn every_dimension_works() {
    for dim in [384, 768, 1536, 3072] {
        let (vectors, volumes, topics) = planted(dim as u64, 300, dim, 10);
        let ids = ids(vectors.len());
        let out = cluster_hub_spoke(&items(&ids, &vectors, &volumes), &HubSpokeConfig::default()).unwrap();
        assert_eq!(out.keyword_count(), 300);
        assert!(adjusted_rand_index(&topics, &labels(&out, &ids)) > 0.8, "dim {dim}");
    }
}

#[test]
fn identical_for_any_thread_count() {
    let (vectors, volumes, _) = planted(3, 2500, 96, 150);
    let ids = ids(vectors.len());
    let items = items(&ids, &vectors, &volumes);
    for max_spokes in [None, Some(5)] {
        let run = |threads| {
            let config = HubSpokeConfig { threshold: 0.7, max_spokes, threads, ..HubSpokeConfig::default() };
            cluster_hub_spoke(&items, &config).unwrap()
        };
        let one = run(Some(1));
        assert!(!one.clusters.is_empty());
        for threads in [None, Some(2), Some(3), Some(8)] {
            assert_eq!(run(threads), one, "threads {threads:?}");
        }
    }
}

#[test]
fn input_errors_name_the_keyword() {
    let ids = ids(3);
    let good = vec![1.0_f32, 0.0, 0.0];
    let check = |bad: Vec<f32>| {
        let rows = [good.clone(), bad, good.clone()];
        let items = items(&ids, &rows, &[1, 2, 3]);
        cluster_hub_spoke(&items, &HubSpokeConfig::default()).unwrap_err()
    };
    assert_eq!(
        check(vec![1.0, 0.0]),
        ClusterError::WrongDimension { keyword: ids[1], expected: 3, actual: 2 }
    );
    assert_eq!(check(vec![0.0, f32::NAN, 1.0]), ClusterError::NonFinite { keyword: ids[1], index: 1 });
    assert_eq!(check(vec![f32::INFINITY, 0.0, 1.0]), ClusterError::NonFinite { keyword: ids[1], index: 0 });
    assert_eq!(check(vec![0.0; 3]), ClusterError::ZeroNorm { keyword: ids[1] });
    // Huge and tiny (but non-zero) components are fine.
    let rows = [vec![3e38_f32, 3e38, 0.0], vec![1e-30_f32, 1e-30, 0.0]];
    let ok = cluster_hub_spoke(&items(&ids[..2], &rows, &[1, 2]), &HubSpokeConfig::default()).unwrap();
    assert_eq!(ok.clusters.len(), 1);
    assert!((ok.clusters[0].spokes[0].1 - 1.0).abs() < 1e-5);

    let rows = [good.clone(), good.clone()];
    let dup = [ids[0], ids[0]];
    let err = cluster_hub_spoke(&items(&dup, &rows, &[1, 2]), &HubSpokeConfig::default()).unwrap_err();
    assert_eq!(err, ClusterError::DuplicateKeyword { keyword: ids[0] });
    for bad in [
        HubSpokeConfig { threshold: f32::NAN, ..HubSpokeConfig::default() },
        HubSpokeConfig { threshold: 1.5, ..HubSpokeConfig::default() },
        HubSpokeConfig { min_spokes: 0, ..HubSpokeConfig::default() },
        HubSpokeConfig { min_spokes: 3, max_spokes: Some(2), ..HubSpokeConfig::default() },
        HubSpokeConfig { threads: Some(0), ..HubSpokeConfig::default() },
    ] {
        assert!(matches!(cluster_hub_spoke(&[], &bad), Err(ClusterError::InvalidConfig { .. })), "{bad:?}");
    }
    assert_eq!(cluster_hub_spoke(&[], &HubSpokeConfig::default()).unwrap(), Clustering::default());
}

#[test]
fn hubs_by_volume_ties_by_input_order() {
    let v = vec![1.0_f32, 0.0];
    let rows = [v.clone(), v.clone(), v.clone(), vec![0.0, 1.0]];
    let ids = ids(4);
    let out = cluster_hub_spoke(&items(&ids, &rows, &[5, 9, 9, 100]), &HubSpokeConfig::default()).unwrap();
    // Row 3 (volume 100) is alone; rows 1 and 2 tie at 9: row 1 is the hub.
    assert_eq!(out.unclustered, vec![ids[3]]);
    assert_eq!(out.clusters.len(), 1);
    assert_eq!(out.clusters[0].hub, ids[1]);
    assert_eq!(out.clusters[0].spokes.iter().map(|s| s.0).collect::<Vec<_>>(), vec![ids[0], ids[2]]);
}

#[test]
fn max_and_min_spokes() {
    // A hub with four neighbours at decreasing similarity.
    let rows =
        [vec![1.0_f32, 0.0], vec![0.99, 0.141], vec![0.95, 0.312], vec![0.9, 0.436], vec![0.85, 0.527]];
    let ids = ids(5);
    let volumes = [100, 1, 2, 3, 4];
    let cap = HubSpokeConfig { threshold: 0.8, max_spokes: Some(2), ..HubSpokeConfig::default() };
    let out = cluster_hub_spoke(&items(&ids, &rows, &volumes), &cap).unwrap();
    assert_eq!(out.clusters[0].hub, ids[0]);
    assert_eq!(out.clusters[0].spokes.iter().map(|s| s.0).collect::<Vec<_>>(), vec![ids[1], ids[2]]);
    // The two left over form their own cluster under the next hub by volume.
    assert_eq!(out.clusters[1].hub, ids[4]);
    assert_eq!(out.clusters[1].spokes.iter().map(|s| s.0).collect::<Vec<_>>(), vec![ids[3]]);
    let min = HubSpokeConfig { threshold: 0.999, min_spokes: 2, ..HubSpokeConfig::default() };
    let out = cluster_hub_spoke(&items(&ids, &rows, &volumes), &min).unwrap();
    assert!(out.clusters.is_empty());
    assert_eq!(out.unclustered.len(), 5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every keyword in exactly one place; spokes at or above the threshold with their true
    /// similarity; at most `max_spokes`; a spoke is never more similar to an earlier hub that
    /// was free to take it; validation covers every cluster.
    #[test]
    fn clustering_properties(
        seed in 0_u64..1000,
        n in 1_usize..160,
        dim in 2_usize..40,
        topics in 1_usize..12,
        threshold in 0.3_f32..0.95,
        max_spokes in proptest::option::of(1_usize..6),
    ) {
        let (vectors, volumes, _) = planted(seed, n, dim, topics.min(n));
        let ids = ids(n);
        let config = HubSpokeConfig { threshold, max_spokes, ..HubSpokeConfig::default() };
        let out = cluster_hub_spoke(&items(&ids, &vectors, &volumes), &config).unwrap();
        let row: HashMap<KeywordId, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        let mut seen = HashSet::new();
        for c in &out.clusters {
            prop_assert!(seen.insert(c.hub));
            prop_assert!(!c.spokes.is_empty());
            prop_assert!(max_spokes.is_none_or(|m| c.spokes.len() <= m));
            for &(s, sim) in &c.spokes {
                prop_assert!(seen.insert(s));
                prop_assert!(sim >= threshold);
                let truth = cosine(&vectors[row[&c.hub]], &vectors[row[&s]]);
                prop_assert!((truth - sim).abs() < 1e-4, "{truth} vs {sim}");
                prop_assert!(volumes[row[&s]] <= volumes[row[&c.hub]]);
            }
            prop_assert!(c.spokes.windows(2).all(|w| w[0].1 >= w[1].1));
        }
        for id in &out.unclustered {
            prop_assert!(seen.insert(*id));
        }
        prop_assert_eq!(seen.len(), n);
        let facts: HashMap<KeywordId, KeywordFacts> = ids.iter().zip(&volumes)
            .map(|(&id, &v)| (id, KeywordFacts { search_volume: Some(v), intent: None }))
            .collect();
        let validations = validate_clusters(&out, &facts, &ValidationRules::default());
        prop_assert_eq!(validations.len(), out.clusters.len());
        for (v, c) in validations.iter().zip(&out.clusters) {
            prop_assert_eq!(v.hub_keyword_id, c.hub);
            prop_assert_eq!(v.spoke_count as usize, c.spokes.len());
        }
    }
}
