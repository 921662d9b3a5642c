//! The hub-and-spoke sweep: the engine behind [`cluster_hub_spoke`](super::cluster_hub_spoke).

use super::ClusterError;
use super::hub_spoke::{Cluster, Clustering, HubSpokeConfig};
use super::kernel;
use super::prefilter::{HubTerms, Prefilter};
use super::similarity::{check_vector, cosine_with};
use crate::ids::KeywordId;
use std::collections::HashSet;

/// Clusters by row index.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Assignment {
    /// Per cluster, in hub order: the hub row and its spokes (row, similarity), most similar first.
    pub clusters: Vec<(usize, Vec<(usize, f32)>)>,
    /// Rows in no cluster, in hub order.
    pub unclustered: Vec<usize>,
}

impl Assignment {
    /// Maps rows to keyword ids.
    pub fn into_clustering(self, ids: &[KeywordId]) -> Clustering {
        let id = |r: usize| ids.get(r).copied().unwrap_or_default();
        Clustering {
            clusters: self
                .clusters
                .into_iter()
                .map(|(hub, spokes)| Cluster {
                    hub: id(hub),
                    spokes: spokes.into_iter().map(|(r, s)| (id(r), s)).collect(),
                })
                .collect(),
            unclustered: self.unclustered.into_iter().map(id).collect(),
        }
    }
}

/// Checks the input and returns the inverse norm of every row.
fn check_rows(ids: &[KeywordId], rows: &[&[f32]]) -> Result<Vec<f64>, ClusterError> {
    let dim = rows.first().map_or(0, |r| r.len());
    let mut seen = HashSet::with_capacity(ids.len());
    let mut inv = Vec::with_capacity(rows.len());
    for (&id, row) in ids.iter().zip(rows) {
        inv.push(check_vector(id, row, dim)?);
        if !seen.insert(id) {
            return Err(ClusterError::DuplicateKeyword { keyword: id });
        }
    }
    Ok(inv)
}

/// Rows in hub order: volume descending, ties by row index.
fn hub_order(volumes: &[i64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..volumes.len()).collect();
    order.sort_by(|&a, &b| volumes[b].cmp(&volumes[a]).then(a.cmp(&b)));
    order
}

/// Candidate hubs scanned together against the live rows.
const BLOCK: usize = 128;
/// Live rows per parallel task.
const CHUNK: usize = 512;

/// One pair found by a scan: candidate index in the block, sweep position, cosine.
type Hit = (u32, u32, f32);

/// Runs the sweep: blocks of [`BLOCK`] candidate hubs (the next live rows in hub order) are
/// scanned against every live row after them — quantized bound first, exact f32 cosine only for
/// the pairs the bound lets through — then replayed in order, exactly as the sequential rule.
pub(crate) fn assign(
    ids: &[KeywordId],
    volumes: &[i64],
    rows: &[&[f32]],
    config: &HubSpokeConfig,
) -> Result<Assignment, ClusterError> {
    let inv = check_rows(ids, rows)?;
    let order = hub_order(volumes);
    let pre = Prefilter::build(rows, &inv, &order, config.threshold);
    let sweep = Sweep { rows, inv: &inv, order: &order, pre: &pre, threshold: config.threshold };
    run_in_pool(config.threads, || Ok(sweep.run(config)))
}

/// Runs `f` on a pool of `threads` threads (the current pool when `None` or without the
/// `parallel` feature).
fn run_in_pool<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> Result<T, ClusterError> + Send,
) -> Result<T, ClusterError> {
    #[cfg(feature = "parallel")]
    if let Some(n) = threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| ClusterError::config("threads", e.to_string()))?;
        return pool.install(f);
    }
    let _ = threads;
    f()
}

/// One thread's buffers for scanning a chunk: widened codes, code inner products, the rows'
/// bound terms and the bound's verdicts.
#[derive(Default)]
struct Scratch {
    codes: Vec<f32>,
    ips: Vec<f32>,
    terms: kernel::RowTerms,
    pass: Vec<bool>,
}

/// The state shared by the scans.
struct Sweep<'a, 'r> {
    rows: &'a [&'r [f32]],
    inv: &'a [f64],
    order: &'a [usize],
    pre: &'a Prefilter,
    threshold: f32,
}

impl Sweep<'_, '_> {
    fn run(&self, config: &HubSpokeConfig) -> Assignment {
        let n = self.order.len();
        let mut taken = vec![false; n];
        let mut live: Vec<u32> = (0..u32::try_from(n).unwrap_or(u32::MAX)).collect();
        let mut out = Assignment::default();
        let mut spokes = Vec::new();
        let mut by_candidate: Vec<Vec<(usize, f32)>> = vec![Vec::new(); BLOCK];
        while !live.is_empty() {
            let block = live.len().min(BLOCK);
            let absorbed = if config.max_spokes.is_none() && config.min_spokes == 1 {
                self.absorbed_in_block(&live[..block])
            } else {
                [false; BLOCK]
            };
            let hits = self.scan(&live, block, &absorbed);
            for list in &mut by_candidate {
                list.clear();
            }
            for (j, x, s) in hits {
                if let Some(list) = by_candidate.get_mut(j as usize) {
                    list.push((self.order[x as usize], s));
                }
            }
            for (j, &hub_pos) in live[..block].iter().enumerate() {
                let hub = self.order[hub_pos as usize];
                if taken[hub] {
                    continue;
                }
                taken[hub] = true;
                spokes.clear();
                spokes.extend(by_candidate[j].iter().copied().filter(|&(r, _)| !taken[r]));
                finish_hub(hub, &mut spokes, &mut taken, config, &mut out);
            }
            live.retain(|&p| !taken[self.order[p as usize]]);
        }
        out
    }

    /// Which candidates of a block an earlier candidate of the same block will take as a spoke,
    /// so they need no scan of their own. Exact only when every hub takes all its hits
    /// (`max_spokes` unbounded, `min_spokes` 1): a live candidate then absorbs every later
    /// candidate at or above the threshold. Uses the same bound and cosine as the scan, so it
    /// decides exactly as the replay will.
    fn absorbed_in_block(&self, candidates: &[u32]) -> [bool; BLOCK] {
        let t = f64::from(self.threshold);
        let mut absorbed = [false; BLOCK];
        for (j, &x) in candidates.iter().enumerate() {
            let x = x as usize;
            let (code, bound) = self.pre.row(x);
            for (i, &h) in candidates.iter().enumerate().take(j) {
                if absorbed[i] {
                    continue;
                }
                let h = h as usize;
                let terms = self.pre.hub_terms(h, t);
                if !Prefilter::may_reach(&terms, self.pre.code(h), code, &bound) {
                    continue;
                }
                let (hub, row) = (self.order[h], self.order[x]);
                if cosine_with(self.rows[hub], self.rows[row], self.inv[hub], self.inv[row]) >= self.threshold
                {
                    absorbed[j] = true;
                    break;
                }
            }
        }
        absorbed
    }

    /// All pairs (candidate `j` < `block`, live row after it) with cosine ≥ the threshold, in
    /// chunk order, whatever the thread count. Per chunk of live rows: the chunk's codes are
    /// widened once, multiplied with the block's hub codes by the blocked kernel, the bound is
    /// applied to every pair, and only the pairs it lets through get the exact f32 cosine.
    fn scan(&self, live: &[u32], block: usize, absorbed: &[bool; BLOCK]) -> Vec<Hit> {
        let t = f64::from(self.threshold);
        let hubs: Vec<(usize, usize, HubTerms)> = live[..block]
            .iter()
            .enumerate()
            .filter(|&(j, _)| !absorbed[j])
            .map(|(j, &p)| (j, p as usize, self.pre.hub_terms(p as usize, t)))
            .collect();
        let stride = kernel::stride(self.pre.k);
        let mut hub_codes = Vec::with_capacity(hubs.len().next_multiple_of(kernel::HUB_TILE) * stride);
        for &(_, h, _) in &hubs {
            kernel::widen(self.pre.code(h), stride, &mut hub_codes);
        }
        kernel::pad_rows(&mut hub_codes, stride, kernel::HUB_TILE);
        let chunk = |scratch: &mut Scratch, (c, xs): (usize, &[u32])| {
            let Scratch { codes, ips, terms, pass } = scratch;
            codes.clear();
            terms.clear();
            for &x in xs {
                kernel::widen(self.pre.code(x as usize), stride, codes);
                let b = self.pre.bounds[x as usize];
                terms.scale.push(b.scale);
                terms.err.push(b.err_norm);
                terms.prefix.push(b.prefix_norm);
                terms.tail.push(b.tail_norm);
                terms.offset.push(b.offset);
            }
            kernel::pad_rows(codes, stride, kernel::ROW_TILE);
            kernel::dots(&hub_codes, codes, stride, hubs.len(), xs.len(), ips);
            let mut hits = Vec::new();
            for ((j, h, hub_terms), ips) in hubs.iter().zip(ips.chunks_exact(xs.len().max(1))) {
                let hub = self.order[*h];
                kernel::passes(hub_terms.to_f32(), ips, terms, pass);
                // Rows of this chunk after candidate j in the live list (index 1 + c·CHUNK + i).
                let first = j.saturating_sub(c * CHUNK);
                for (i, _) in pass.iter().enumerate().skip(first).filter(|(_, p)| **p) {
                    let x = xs[i] as usize;
                    let row = self.order[x];
                    let s = cosine_with(self.rows[hub], self.rows[row], self.inv[hub], self.inv[row]);
                    if s >= self.threshold {
                        #[allow(clippy::cast_possible_truncation)]
                        hits.push((*j as u32, x as u32, s));
                    }
                }
            }
            hits
        };
        let rest = live.get(1..).unwrap_or(&[]);
        #[cfg(feature = "parallel")]
        let parts: Vec<Vec<Hit>> = {
            use rayon::prelude::*;
            rest.par_chunks(CHUNK).enumerate().map_init(Scratch::default, chunk).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let parts: Vec<Vec<Hit>> = {
            let mut scratch = Scratch::default();
            rest.chunks(CHUNK).enumerate().map(|item| chunk(&mut scratch, item)).collect()
        };
        parts.concat()
    }
}

/// The sequential rule, pair by pair: the reference the sweep must equal.
#[cfg(test)]
pub(crate) fn assign_exhaustive(
    ids: &[KeywordId],
    volumes: &[i64],
    rows: &[&[f32]],
    config: &HubSpokeConfig,
) -> Result<Assignment, ClusterError> {
    let inv = check_rows(ids, rows)?;
    let order = hub_order(volumes);
    let mut taken = vec![false; rows.len()];
    let mut out = Assignment::default();
    let mut spokes = Vec::new();
    for (p, &hub) in order.iter().enumerate() {
        if taken[hub] {
            continue;
        }
        taken[hub] = true;
        spokes.clear();
        for &r in &order[p + 1..] {
            if taken[r] {
                continue;
            }
            let s = cosine_with(rows[hub], rows[r], inv[hub], inv[r]);
            if s >= config.threshold {
                spokes.push((r, s));
            }
        }
        finish_hub(hub, &mut spokes, &mut taken, config, &mut out);
    }
    Ok(out)
}

/// Orders a hub's candidate spokes, applies `max_spokes` and `min_spokes`, marks the kept spokes
/// taken and records the cluster (or the unclustered hub).
fn finish_hub(
    hub: usize,
    spokes: &mut Vec<(usize, f32)>,
    taken: &mut [bool],
    config: &HubSpokeConfig,
    out: &mut Assignment,
) {
    spokes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    if let Some(max) = config.max_spokes {
        spokes.truncate(max);
    }
    if spokes.len() < config.min_spokes {
        out.unclustered.push(hub);
        return;
    }
    for &(r, _) in spokes.iter() {
        taken[r] = true;
    }
    out.clusters.push((hub, spokes.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::similarity::dot;

    /// A small deterministic generator (splitmix64 + Box–Muller).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 11) as f64 / (1_u64 << 53) as f64
        }
        fn gauss(&mut self) -> f32 {
            let (u, v) = (self.next().max(1e-12), self.next());
            ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
        }
    }

    /// `n` points around `topics` random centres, noise `noise` per unit of norm, not normalized.
    fn blobs(seed: u64, n: usize, dim: usize, topics: usize, noise: f32) -> (Vec<Vec<f32>>, Vec<i64>) {
        let mut rng = Rng(seed);
        let centres: Vec<Vec<f32>> = (0..topics).map(|_| (0..dim).map(|_| rng.gauss()).collect()).collect();
        let scale = noise;
        let rows = (0..n)
            .map(|i| {
                let c = &centres[(i * 7 + i / 3) % topics];
                c.iter().map(|&x| (x + rng.gauss() * scale) * (1.0 + (i % 5) as f32)).collect()
            })
            .collect();
        // Few distinct volumes, so ties are common.
        let volumes = (0..n).map(|_| (rng.next() * 20.0) as i64).collect();
        (rows, volumes)
    }

    #[test]
    fn sweep_equals_the_sequential_rule() {
        for (seed, n, dim, topics, noise) in
            [(1, 300, 3, 5, 0.3), (2, 500, 40, 20, 0.5), (3, 700, 96, 60, 0.45), (4, 200, 384, 8, 0.6)]
        {
            let (rows, volumes) = blobs(seed, n, dim, topics, noise);
            let rows: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
            let ids: Vec<KeywordId> =
                (0..n).map(|i| KeywordId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1))).collect();
            for threshold in [0.3, 0.6, 0.75, 0.9] {
                for (max_spokes, min_spokes) in [(None, 1), (Some(3), 1), (None, 3), (Some(4), 2)] {
                    let config = HubSpokeConfig { threshold, max_spokes, min_spokes, threads: None };
                    let fast = assign(&ids, &volumes, &rows, &config).unwrap();
                    let slow = assign_exhaustive(&ids, &volumes, &rows, &config).unwrap();
                    assert_eq!(fast, slow, "seed {seed} dim {dim} t {threshold} {max_spokes:?} {min_spokes}");
                    let placed =
                        fast.unclustered.len() + fast.clusters.iter().map(|c| 1 + c.1.len()).sum::<usize>();
                    assert_eq!(placed, n);
                }
            }
        }
    }

    /// [`blobs`] normalized, then `common` times one shared unit direction added to every row and
    /// normalized again: the anisotropy of real sentence embeddings (`make_vectors.py --common`).
    fn anisotropic(seed: u64, n: usize, dim: usize, topics: usize, common: f32) -> (Vec<Vec<f32>>, Vec<i64>) {
        let (mut rows, volumes) = blobs(seed, n, dim, topics, 0.45);
        let mut rng = Rng(seed ^ 0xc0ffee);
        let mut shared: Vec<f32> = (0..dim).map(|_| rng.gauss()).collect();
        let norm = dot(&shared, &shared).sqrt();
        shared.iter_mut().for_each(|x| *x *= common / norm);
        for row in &mut rows {
            let norm = dot(row, row).sqrt();
            row.iter_mut().zip(&shared).for_each(|(x, c)| *x = *x / norm + c);
        }
        (rows, volumes)
    }

    #[test]
    fn sweep_equals_the_sequential_rule_on_anisotropic_data() {
        for (seed, n, dim, topics, common) in [
            (11, 400, 64, 40, 1.0),
            (12, 600, 384, 200, 1.0),
            (13, 500, 384, 250, 1.7),
            (14, 300, 1100, 100, 1.7),
        ] {
            let (rows, volumes) = anisotropic(seed, n, dim, topics, common);
            let rows: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
            let ids: Vec<KeywordId> =
                (0..n).map(|i| KeywordId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1))).collect();
            for threshold in [0.6, 0.75, 0.9] {
                for (max_spokes, min_spokes) in [(None, 1), (Some(3), 2)] {
                    let config = HubSpokeConfig { threshold, max_spokes, min_spokes, threads: None };
                    let fast = assign(&ids, &volumes, &rows, &config).unwrap();
                    let slow = assign_exhaustive(&ids, &volumes, &rows, &config).unwrap();
                    assert_eq!(fast, slow, "seed {seed} dim {dim} common {common} t {threshold}");
                }
            }
        }
    }

    #[test]
    fn centring_keeps_the_bound_pruning_when_every_pair_shares_a_direction() {
        // Common 1.0: unrelated pairs have cosine ~0.5, topic mates ~0.9.
        let (rows, _) = anisotropic(21, 400, 384, 100, 1.0);
        let rows: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
        let inv: Vec<f64> = rows.iter().map(|r| 1.0 / f64::from(dot(r, r)).sqrt()).collect();
        let order: Vec<usize> = (0..rows.len()).collect();
        let t = 0.75_f32;
        let pre = Prefilter::build(&rows, &inv, &order, t);
        let (mut above, mut pruned, mut median) = (0, 0, Vec::new());
        for h in 0..rows.len() {
            let terms = pre.hub_terms(h, f64::from(t));
            for x in 0..rows.len() {
                let s = cosine_with(rows[h], rows[x], inv[h], inv[x]);
                median.push(s);
                let (code, bound) = pre.row(x);
                let may = Prefilter::may_reach(&terms, pre.code(h), code, &bound);
                if s >= t {
                    above += 1;
                    assert!(may, "pair {h},{x} at {s} pruned");
                } else if !may {
                    pruned += 1;
                }
            }
        }
        median.sort_by(f32::total_cmp);
        let median = median[median.len() / 2];
        assert!(median > 0.4, "not anisotropic: median cosine {median}");
        assert!(above > rows.len(), "{above}");
        let pairs = rows.len() * rows.len();
        assert!(pruned * 10 > pairs * 9, "bound too weak on anisotropic data: pruned {pruned} of {pairs}");
    }

    #[test]
    fn prefilter_never_rejects_a_pair_above_the_threshold() {
        let (rows, _) = blobs(9, 300, 200, 10, 0.5);
        let rows: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
        let inv: Vec<f64> = rows.iter().map(|r| 1.0 / f64::from(dot(r, r)).sqrt()).collect();
        let order: Vec<usize> = (0..rows.len()).collect();
        for t in [0.2_f32, 0.5, 0.75, 0.95] {
            let pre = Prefilter::build(&rows, &inv, &order, t);
            let (mut above, mut pruned) = (0, 0);
            for h in 0..rows.len() {
                let terms = pre.hub_terms(h, f64::from(t));
                for x in 0..rows.len() {
                    let s = cosine_with(rows[h], rows[x], inv[h], inv[x]);
                    let (code, bound) = pre.row(x);
                    let may = Prefilter::may_reach(&terms, pre.code(h), code, &bound);
                    if s >= t {
                        above += 1;
                        assert!(may, "pair {h},{x} at {s} >= {t} pruned");
                    } else if !may {
                        pruned += 1;
                    }
                }
            }
            assert!(above >= rows.len());
            if t <= 0.75 {
                assert!(above > 2 * rows.len(), "too few pairs above {t}: {above}");
            }
            if t >= 0.5 {
                assert!(pruned > rows.len() * rows.len() / 2, "bound too weak at {t}: {pruned}");
            }
        }
    }
}
