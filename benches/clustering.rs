//! Hub-and-spoke clustering on synthetic embeddings with realistic structure.
//!
//! Run with `cargo bench --bench clustering` (1,000 and 10,000 keywords at 384 and 1,536
//! dimensions); `INFIN8_BENCH_LARGE=1 cargo bench --bench clustering` adds 100,000.
//!
//! Data (fixed seeds): topic centres uniform on the unit sphere, Zipf-like topic sizes, each point
//! `normalize(centre + s·z/√d)` with `s² ~ U[0.11, 0.33]`, so within-topic cosines sit at
//! ~0.75–0.9 and cross-topic ones near 0; log-normal search volumes. Two shapes:
//! - `std`: one topic per 50 keywords (the NumPy reference's sets, `../shared/perf`);
//! - `dense`: one topic per ~14 keywords on 90% of the rows plus 10% noise rows (singletons), as
//!   real keyword exports have;
//! - `common1.0`: one topic per 2 keywords plus one direction shared by every row (median pair
//!   cosine ~0.5, as real single-niche sentence embeddings): the anisotropic case.
//!
//! `benches/clustering_vs_numpy.sh` runs the same rule in NumPy side by side and checks that the
//! assignments are identical.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use infin8_core::KeywordId;
use infin8_core::cluster::embed::hash_embed;
use infin8_core::cluster::{ClusterItem, HubSpokeConfig, cluster_hub_spoke};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::time::Duration;

/// A data set: row-major `n × dim` unit vectors and volumes.
struct Data {
    dim: usize,
    vectors: Vec<f32>,
    volumes: Vec<i64>,
}

fn gauss(rng: &mut StdRng) -> f32 {
    let u: f64 = rng.random::<f64>().max(1e-12);
    let v: f64 = rng.random();
    ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
}

fn normalize(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= n);
}

/// `n` rows: `topics` planted topics (Zipf sizes) over `n - noise` rows, `noise` uniform rows.
fn generate(seed: u64, n: usize, dim: usize, topics: usize, noise: usize) -> Data {
    let mut rng = StdRng::seed_from_u64(seed);
    let centres: Vec<Vec<f32>> = (0..topics)
        .map(|_| {
            let mut c: Vec<f32> = (0..dim).map(|_| gauss(&mut rng)).collect();
            normalize(&mut c);
            c
        })
        .collect();
    let topic_rows = n - noise;
    let weights: Vec<f64> = (1..=topics).map(|k| 1.0 / k as f64).collect();
    let total: f64 = weights.iter().sum();
    let mut labels: Vec<Option<usize>> = Vec::with_capacity(n);
    for (k, w) in weights.iter().enumerate() {
        let size = ((w / total) * (topic_rows - topics) as f64) as usize + 1;
        labels.extend(std::iter::repeat_n(Some(k), size));
    }
    labels.resize(topic_rows, Some(0));
    labels.resize(n, None);
    for i in (1..n).rev() {
        labels.swap(i, rng.random_range(0..=i));
    }
    let mut vectors = vec![0.0_f32; n * dim];
    for (row, label) in vectors.chunks_exact_mut(dim).zip(&labels) {
        match label {
            Some(k) => {
                let s = (0.11 + 0.22 * rng.random::<f32>()).sqrt() / (dim as f32).sqrt();
                for (x, c) in row.iter_mut().zip(&centres[*k]) {
                    *x = c + s * gauss(&mut rng);
                }
            }
            None => row.iter_mut().for_each(|x| *x = gauss(&mut rng)),
        }
        normalize(row);
    }
    let volumes =
        (0..n).map(|_| ((5.0 + 1.5 * f64::from(gauss(&mut rng))).exp().round() as i64).max(10)).collect();
    Data { dim, vectors, volumes }
}

/// [`generate`] with `common` times one shared unit direction added to every row before it is
/// normalized again (`make_vectors.py --common`): the anisotropy of real sentence embeddings.
fn generate_common(seed: u64, n: usize, dim: usize, topics: usize, common: f32) -> Data {
    let mut data = generate(seed, n, dim, topics, 0);
    let mut rng = StdRng::seed_from_u64(seed ^ 0xc0ffee);
    let mut shared: Vec<f32> = (0..dim).map(|_| gauss(&mut rng)).collect();
    normalize(&mut shared);
    for row in data.vectors.chunks_exact_mut(dim) {
        row.iter_mut().zip(&shared).for_each(|(x, c)| *x += common * c);
        normalize(row);
    }
    data
}

fn bench_hub_spoke(c: &mut Criterion) {
    let large = std::env::var_os("INFIN8_BENCH_LARGE").is_some();
    let mut sizes = vec![1_000, 10_000];
    if large {
        sizes.push(100_000);
    }
    let mut group = c.benchmark_group("hub_spoke");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    for &n in &sizes {
        for dim in [384, 1536] {
            let kinds =
                [("std", n / 50, 0, 0.0), ("dense", n / 14, n / 10, 0.0), ("common1.0", n / 2, 0, 1.0)];
            for (kind, topics, noise, common) in kinds {
                let data = if common > 0.0 {
                    generate_common(42, n, dim, topics, common)
                } else {
                    generate(42, n, dim, topics, noise)
                };
                let ids: Vec<KeywordId> =
                    (0..n).map(|i| KeywordId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1))).collect();
                let items: Vec<ClusterItem<'_>> = data
                    .vectors
                    .chunks_exact(data.dim)
                    .zip(&ids)
                    .zip(&data.volumes)
                    .map(|((embedding, &id), &search_volume)| ClusterItem { id, search_volume, embedding })
                    .collect();
                let config = HubSpokeConfig::default();
                group.throughput(Throughput::Elements(n as u64));
                group.bench_with_input(BenchmarkId::new(format!("{kind}/d{dim}"), n), &items, |b, items| {
                    b.iter(|| black_box(cluster_hub_spoke(items, &config).map(|c| c.clusters.len())))
                });
            }
        }
    }
    group.finish();
}

fn bench_hash_embed(c: &mut Criterion) {
    let keywords: Vec<String> =
        (0..1_000).map(|i| format!("best crm software for small business {i}")).collect();
    let mut group = c.benchmark_group("hash_embed");
    group.throughput(Throughput::Elements(keywords.len() as u64));
    group.bench_function("1000 keywords d384", |b| {
        b.iter(|| keywords.iter().map(|k| hash_embed(k, 384)[0]).sum::<f32>())
    });
    group.finish();
}

criterion_group!(benches, bench_hub_spoke, bench_hash_embed);
criterion_main!(benches);
