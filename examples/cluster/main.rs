//! Filter, cluster and validate an exported keyword list, offline.
//!
//! Run with `cargo run --release --example cluster -- examples/keywords-sample.csv`.
//!
//! Input: a CSV with a header (`keyword` required; optional `volume`/`search_volume`,
//! `difficulty`, `intent`, `embedding` as a JSON array or space-separated floats), or JSONL
//! with the same fields, optionally with `--vectors embeddings.npy`: a float32 `[N, d]` NumPy
//! matrix row-aligned with the CSV (what `np.save` writes from a notebook). Without vectors each
//! keyword is embedded with the lexical hashing embedder of `infin8_core` (`--dim`).
//!
//! Output in `--out` (default `cluster-out/`): `clusters.csv` (one row per hub–spoke pair),
//! `clusters.json` (clusters with validation, unclustered and rejected keywords) and
//! `clusters.html` (a self-contained page of hubs and spokes). `--labels FILE` writes one line per
//! input row: the row index of its hub (its own index when it is a hub or unclustered, `-1` when
//! filtered out), which `benches/clustering_vs_numpy.py` compares with the NumPy reference.
//!
//! A sample to try it on: `examples/keywords-sample.csv` (home coffee brewing, written for this
//! repository, volumes plausible but invented).
//!
//! Bad input is refused with the file and line: a keyword with a control character (NUL, ESC…) or
//! nothing visible, a volume that is not a finite non-negative number, a difficulty outside 0–100,
//! a `.npy` of another shape or dtype or shorter than its header says. Zero-width and bidirectional
//! formatting characters are removed from keywords (the lines are reported).

mod input;
mod output;

use anyhow::{Context, Result, bail};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use infin8_core::KeywordId;
use infin8_core::cluster::embed::hash_embed;
use infin8_core::cluster::validate::{KeywordFacts, ValidationRules, validate_clusters};
use infin8_core::cluster::{ClusterError, ClusterItem, HubSpokeConfig, ValidationStatus, cluster_hub_spoke};
use infin8_core::keyword::FilterStatus;
use infin8_core::keyword::filter::{FilterCandidate, FilterRules, filter_keywords};
use input::{Row, read_npy, read_rows};
use output::{Lookup, plural, write_csv, write_html, write_json, write_labels};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Filter, cluster (hub-and-spoke) and validate a keyword list")]
struct Args {
    /// Keywords: `.csv` (header with `keyword`) or `.jsonl`.
    input: PathBuf,
    /// Row-aligned float32 embeddings (`.npy`, shape [N, d]).
    #[arg(long)]
    vectors: Option<PathBuf>,
    /// Cosine threshold for spokes.
    #[arg(long, default_value_t = 0.75)]
    threshold: f32,
    /// At most this many spokes per hub (the most similar).
    #[arg(long)]
    max_spokes: Option<usize>,
    /// Dimension of the hashing embedder (when no vectors are given).
    #[arg(long, default_value_t = 384)]
    dim: usize,
    /// Threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Skip filtering (cluster every row).
    #[arg(long)]
    no_filter: bool,
    /// Languages to keep (ISO 639-1, comma-separated); default any.
    #[arg(long, value_delimiter = ',')]
    languages: Vec<String>,
    /// Brand terms and competitor domains whose keywords are navigational (comma-separated).
    #[arg(long, value_delimiter = ',')]
    brands: Vec<String>,
    /// Output directory.
    #[arg(long, default_value = "cluster-out")]
    out: PathBuf,
    /// Also write one hub row index per input row to this file.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Write no CSV/JSON/HTML (timing runs).
    #[arg(long)]
    no_output: bool,
}

/// Fails early (before any work) when an output path cannot be written: `--out` is an existing
/// file, or the folder of `--labels` does not exist.
fn check_output_paths(out: Option<&Path>, labels: Option<&Path>) -> Result<()> {
    if let Some(out) = out
        && out.exists()
        && !out.is_dir()
    {
        bail!("--out {}: exists and is not a directory (the clusters go into a folder)", out.display());
    }
    if let Some(labels) = labels {
        if labels.is_dir() {
            bail!("--labels {}: is a directory; give a file path", labels.display());
        }
        if let Some(parent) = labels.parent().filter(|p| !p.as_os_str().is_empty())
            && !parent.is_dir()
        {
            bail!("--labels {}: the folder {} does not exist", labels.display(), parent.display());
        }
    }
    Ok(())
}

/// A clustering error in the input's terms: the line and keyword instead of the internal id.
fn explain_cluster_error(
    e: &ClusterError,
    rows: &[Row],
    row_of: &HashMap<KeywordId, usize>,
    input: &Path,
) -> anyhow::Error {
    let at = |id: &KeywordId| {
        row_of.get(id).map_or_else(
            || "an unknown keyword".to_owned(),
            |&i| format!("{}: line {} (keyword {:?})", input.display(), rows[i].line, rows[i].keyword),
        )
    };
    match e {
        ClusterError::WrongDimension { keyword, expected, actual } => anyhow::anyhow!(
            "{}: embedding has {actual} dimensions, the first keyword's has {expected}",
            at(keyword)
        ),
        ClusterError::NonFinite { keyword, index } => {
            anyhow::anyhow!("{}: embedding component {index} is NaN or infinite", at(keyword))
        }
        ClusterError::ZeroNorm { keyword } => {
            anyhow::anyhow!("{}: embedding is all zeros (it has no direction)", at(keyword))
        }
        ClusterError::DuplicateKeyword { keyword } => {
            anyhow::anyhow!("{}: keyword appears twice", at(keyword))
        }
        other => anyhow::anyhow!("clustering: {other}"),
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    check_output_paths((!args.no_output).then_some(args.out.as_path()), args.labels.as_deref())?;
    let started = Instant::now();
    let (mut rows, notes) = read_rows(&args.input)?;
    if !notes.cleaned_lines.is_empty() {
        eprintln!(
            "note: removed zero-width or bidirectional-control characters from {} on line{} {}{}",
            plural(notes.cleaned_lines.len(), "keyword"),
            if notes.cleaned_lines.len() == 1 { "" } else { "s" },
            notes.cleaned_lines.iter().take(10).map(u64::to_string).collect::<Vec<_>>().join(", "),
            if notes.cleaned_lines.len() > 10 { " …" } else { "" },
        );
    }
    let n = rows.len();
    let matrix = match &args.vectors {
        Some(path) => Some(read_npy(path, n)?),
        None => None,
    };
    let loaded = started.elapsed();

    // Embeddings: the matrix, the per-row column, or the hashing embedder.
    let t = Instant::now();
    let dim = matrix.as_ref().map_or(args.dim, |(_, d)| *d);
    if matrix.is_none() && rows.iter().any(|r| r.embedding.is_none()) {
        let bar = bar(n as u64, "embedding");
        for r in &mut rows {
            if r.embedding.is_none() {
                r.embedding = Some(hash_embed(&r.normalized, dim));
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
    }
    let embedding = |i: usize| -> &[f32] {
        match &matrix {
            Some((m, d)) => &m[i * d..(i + 1) * d],
            None => rows[i].embedding.as_deref().unwrap_or(&[]),
        }
    };
    let embedded = t.elapsed();

    // Filtering.
    let t = Instant::now();
    let ids: Vec<KeywordId> =
        (0..n).map(|i| KeywordId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1))).collect();
    let row_of: HashMap<KeywordId, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut keep = vec![true; n];
    let mut rejected = Vec::new();
    if !args.no_filter {
        let rules = FilterRules {
            allowed_languages: args.languages.clone(),
            brand_terms: args.brands.iter().filter(|b| !b.contains('.')).cloned().collect(),
            competitor_domains: args.brands.iter().filter(|b| b.contains('.')).cloned().collect(),
            ..FilterRules::default()
        };
        let candidates: Vec<FilterCandidate<'_>> = rows
            .iter()
            .zip(&ids)
            .map(|(r, &id)| FilterCandidate {
                id,
                keyword: &r.keyword,
                normalized: &r.normalized,
                search_volume: r.volume,
                difficulty: r.difficulty,
                intent: r.intent,
                language: None,
            })
            .collect();
        for (i, d) in filter_keywords(&candidates, &rules).into_iter().enumerate() {
            if d.status == FilterStatus::Rejected {
                keep[i] = false;
                rejected.push(serde_json::json!({
                    "keyword": rows[i].keyword, "decision": d.metadata()["filter"].clone()
                }));
            }
        }
    }
    let filtered = t.elapsed();

    // Clustering.
    let items: Vec<ClusterItem<'_>> = (0..n)
        .filter(|&i| keep[i])
        .map(|i| ClusterItem {
            id: ids[i],
            search_volume: rows[i].volume.unwrap_or(0),
            embedding: embedding(i),
        })
        .collect();
    let config = HubSpokeConfig {
        threshold: args.threshold,
        max_spokes: args.max_spokes,
        threads: args.threads,
        ..HubSpokeConfig::default()
    };
    let spinner = ProgressBar::new_spinner().with_message(format!("clustering {} keywords", items.len()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let t = Instant::now();
    let cpu_before = cpu_seconds();
    let clustering = cluster_hub_spoke(&items, &config)
        .map_err(|e| explain_cluster_error(&e, &rows, &row_of, &args.input))?;
    let clustered = t.elapsed();
    let cluster_cpu = cpu_seconds().zip(cpu_before).map(|(after, before)| after - before);
    spinner.finish_and_clear();

    // Validation.
    let t = Instant::now();
    let facts: HashMap<KeywordId, KeywordFacts> = ids
        .iter()
        .zip(&rows)
        .map(|(&id, r)| (id, KeywordFacts { search_volume: r.volume, intent: r.intent }))
        .collect();
    let validations = validate_clusters(&clustering, &facts, &ValidationRules::default());
    let validated = t.elapsed();

    if let Some(path) = &args.labels {
        write_labels(path, n, &keep, &clustering, &row_of)?;
    }
    if !args.no_output {
        std::fs::create_dir_all(&args.out)
            .with_context(|| format!("--out {}: creating the folder", args.out.display()))?;
        let look = Lookup { rows: &rows, row_of: &row_of };
        write_csv(&args.out.join("clusters.csv"), &clustering, &validations, &look)?;
        write_json(&args.out.join("clusters.json"), &clustering, &validations, &rejected, &look)?;
        write_html(&args.out.join("clusters.html"), &clustering, &validations, &look)?;
    }

    let valid = validations.iter().filter(|v| v.status == ValidationStatus::Valid).count();
    let spokes: usize = clustering.clusters.iter().map(|c| c.spokes.len()).sum();
    println!(
        "{} ({dim}-d): {} rejected by filters, {} ({valid} valid) with {}, {} unclustered",
        plural(n, "keyword"),
        rejected.len(),
        plural(clustering.clusters.len(), "cluster"),
        plural(spokes, "spoke"),
        clustering.unclustered.len()
    );
    println!(
        "seconds: load {:.3} embed {:.3} filter {:.3} cluster {:.3} validate {:.3}; peak RSS {} MB",
        loaded.as_secs_f64(),
        embedded.as_secs_f64(),
        filtered.as_secs_f64(),
        clustered.as_secs_f64(),
        validated.as_secs_f64(),
        peak_rss_mb().map_or_else(|| "?".to_owned(), |m| m.to_string()),
    );
    // One machine-readable line for scripts.
    println!(
        "RESULT {}",
        serde_json::json!({
            "n": n, "dim": dim, "cluster_seconds": clustered.as_secs_f64(),
            "cluster_cpu_seconds": cluster_cpu,
            "clusters": clustering.clusters.len(), "unclustered": clustering.unclustered.len(),
            "peak_rss_mb": peak_rss_mb(),
        })
    );
    if !args.no_output {
        println!("wrote {}/clusters.{{csv,json,html}}", args.out.display());
    }
    Ok(())
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len).with_message(what.to_owned());
    if let Ok(style) = ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({eta})") {
        bar.set_style(style);
    }
    bar
}

/// CPU time (user + system, all threads) of this process so far (Linux), in seconds. On a
/// machine shared with other work, CPU time says what wall time would be on a quiet one.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesized command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0) // USER_HZ is 100 on Linux
}

/// Peak resident memory of this process (Linux), in MB.
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

#[cfg(test)]
mod tests;
