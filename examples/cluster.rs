//! Filter, cluster and validate an exported keyword list, offline.
//!
//! Run with `cargo run --release --example cluster -- keywords.csv`.
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

use anyhow::{Context, Result, bail};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use infin8_core::KeywordId;
use infin8_core::cluster::embed::hash_embed;
use infin8_core::cluster::validate::{KeywordFacts, ValidationRules, validate_clusters};
use infin8_core::cluster::{
    ClusterItem, Clustering, HubSpokeConfig, NewValidation, ValidationStatus, cluster_hub_spoke,
};
use infin8_core::keyword::filter::{FilterCandidate, FilterRules, filter_keywords};
use infin8_core::keyword::{FilterStatus, SearchIntent, normalize_keyword};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
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

/// One input row.
#[derive(Debug, Default)]
struct Row {
    keyword: String,
    normalized: String,
    volume: Option<i64>,
    difficulty: Option<i32>,
    intent: Option<SearchIntent>,
    embedding: Option<Vec<f32>>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let mut rows = read_rows(&args.input)?;
    let n = rows.len();
    if n == 0 {
        bail!("{} has no keywords", args.input.display());
    }
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
    let clustering = cluster_hub_spoke(&items, &config).context("clustering")?;
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
        std::fs::create_dir_all(&args.out)?;
        let look = Lookup { rows: &rows, row_of: &row_of };
        write_csv(&args.out.join("clusters.csv"), &clustering, &validations, &look)?;
        write_json(&args.out.join("clusters.json"), &clustering, &validations, &rejected, &look)?;
        write_html(&args.out.join("clusters.html"), &clustering, &validations, &look)?;
    }

    let valid = validations.iter().filter(|v| v.status == ValidationStatus::Valid).count();
    let spokes: usize = clustering.clusters.iter().map(|c| c.spokes.len()).sum();
    println!(
        "{n} keywords ({dim}-d): {} rejected by filters, {} clusters ({valid} valid) with {spokes} spokes, {} unclustered",
        rejected.len(),
        clustering.clusters.len(),
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

fn read_rows(path: &Path) -> Result<Vec<Row>> {
    let is_jsonl = path.extension().is_some_and(|e| e == "jsonl" || e == "ndjson");
    let mut rows = Vec::new();
    if is_jsonl {
        let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value =
                serde_json::from_str(&line).with_context(|| format!("line {}", i + 1))?;
            let field = |k: &str| v.get(k).filter(|x| !x.is_null());
            let keyword = field("keyword").and_then(|k| k.as_str()).context("missing keyword")?;
            rows.push(Row {
                keyword: keyword.to_owned(),
                volume: field("volume").or_else(|| field("search_volume")).and_then(|x| x.as_i64()),
                difficulty: field("difficulty").and_then(|x| x.as_i64()).and_then(|d| i32::try_from(d).ok()),
                intent: field("intent").and_then(|x| x.as_str()).and_then(|s| s.parse().ok()),
                embedding: field("embedding").and_then(|e| serde_json::from_value(e.clone()).ok()),
                ..Row::default()
            });
        }
    } else {
        let mut reader =
            csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
        let headers: Vec<String> = reader.headers()?.iter().map(|h| h.trim().to_lowercase()).collect();
        let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
        let keyword_col = col(&["keyword", "keywords", "query"]).context("no `keyword` column")?;
        let volume_col = col(&["volume", "search_volume", "search volume"]);
        let difficulty_col = col(&["difficulty", "keyword_difficulty", "kd"]);
        let intent_col = col(&["intent", "search_intent"]);
        let embedding_col = col(&["embedding", "vector"]);
        for record in reader.records() {
            let record = record?;
            let get =
                |c: Option<usize>| c.and_then(|c| record.get(c)).map(str::trim).filter(|s| !s.is_empty());
            rows.push(Row {
                keyword: get(Some(keyword_col)).unwrap_or("").to_owned(),
                volume: get(volume_col)
                    .and_then(|s| s.replace(',', "").parse::<f64>().ok())
                    .map(|v| v as i64),
                difficulty: get(difficulty_col).and_then(|s| s.parse::<f64>().ok()).map(|v| v as i32),
                intent: get(intent_col).and_then(|s| s.to_lowercase().parse().ok()),
                embedding: get(embedding_col).map(parse_vector).transpose()?,
                ..Row::default()
            });
        }
    }
    for r in &mut rows {
        // Unnormalizable text (empty, control characters) keeps its raw form; the filter's
        // length rule rejects it.
        r.normalized = normalize_keyword(&r.keyword).unwrap_or_else(|_| r.keyword.trim().to_owned());
    }
    Ok(rows)
}

fn parse_vector(s: &str) -> Result<Vec<f32>> {
    let s = s.trim().trim_start_matches('[').trim_end_matches(']');
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<f32>().with_context(|| format!("bad vector component {t:?}")))
        .collect()
}

/// Reads a C-order float32 `[n, d]` `.npy` matrix.
fn read_npy(path: &Path, n: usize) -> Result<(Vec<f32>, usize)> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let npy = npyz::NpyFile::new(std::io::BufReader::with_capacity(1 << 20, file))?;
    let shape = npy.shape().to_vec();
    if shape.len() != 2 || shape[0] as usize != n {
        bail!("{}: shape {shape:?}, expected [{n}, d] (one row per keyword)", path.display());
    }
    if npy.order() != npyz::Order::C {
        bail!("{}: Fortran-order array; save with np.ascontiguousarray", path.display());
    }
    let d = shape[1] as usize;
    let data: Vec<f32> = npy.into_vec().with_context(|| format!("{}: expected float32", path.display()))?;
    Ok((data, d))
}

fn write_labels(
    path: &Path,
    n: usize,
    keep: &[bool],
    clustering: &Clustering,
    row_of: &HashMap<KeywordId, usize>,
) -> Result<()> {
    let mut label: Vec<i64> = (0..n).map(|i| if keep[i] { i as i64 } else { -1 }).collect();
    for c in &clustering.clusters {
        let hub = row_of[&c.hub] as i64;
        for (s, _) in &c.spokes {
            label[row_of[s]] = hub;
        }
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for l in label {
        writeln!(out, "{l}")?;
    }
    out.flush()?;
    Ok(())
}

fn write_csv(
    path: &Path,
    clustering: &Clustering,
    validations: &[NewValidation],
    look: &Lookup<'_>,
) -> Result<()> {
    let text = |id: &KeywordId| look.text(id);
    let volume = |id: &KeywordId| look.volume(id);
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["hub", "hub_volume", "spoke", "spoke_volume", "similarity", "cluster_status"])?;
    for (c, v) in clustering.clusters.iter().zip(validations) {
        for (s, sim) in &c.spokes {
            w.write_record([
                text(&c.hub).to_owned(),
                volume(&c.hub).map(|v| v.to_string()).unwrap_or_default(),
                text(s).to_owned(),
                volume(s).map(|v| v.to_string()).unwrap_or_default(),
                format!("{sim:.4}"),
                v.status.to_string(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

fn write_json(
    path: &Path,
    clustering: &Clustering,
    validations: &[NewValidation],
    rejected: &[serde_json::Value],
    look: &Lookup<'_>,
) -> Result<()> {
    let text = |id: &KeywordId| look.text(id);
    let volume = |id: &KeywordId| look.volume(id);
    let clusters: Vec<serde_json::Value> = clustering
        .clusters
        .iter()
        .zip(validations)
        .map(|(c, v)| {
            serde_json::json!({
                "hub": text(&c.hub), "hub_volume": volume(&c.hub),
                "spokes": c.spokes.iter().map(|(s, sim)| serde_json::json!({
                    "keyword": text(s), "volume": volume(s), "similarity": sim })).collect::<Vec<_>>(),
                "status": v.status, "avg_similarity": v.avg_similarity, "reasons": v.reasons,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "clusters": clusters,
        "unclustered": clustering.unclustered.iter().map(text).collect::<Vec<_>>(),
        "rejected": rejected,
    });
    std::fs::write(path, serde_json::to_vec_pretty(&doc)?)?;
    Ok(())
}

/// Keyword text and volume by id.
struct Lookup<'a> {
    rows: &'a [Row],
    row_of: &'a HashMap<KeywordId, usize>,
}

impl<'a> Lookup<'a> {
    fn text(&self, id: &KeywordId) -> &'a str {
        self.row_of.get(id).map_or("", |&i| self.rows[i].keyword.as_str())
    }

    fn volume(&self, id: &KeywordId) -> Option<i64> {
        self.row_of.get(id).and_then(|&i| self.rows[i].volume)
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn write_html(
    path: &Path,
    clustering: &Clustering,
    validations: &[NewValidation],
    look: &Lookup<'_>,
) -> Result<()> {
    let text = |id: &KeywordId| look.text(id);
    let volume = |id: &KeywordId| look.volume(id);
    let mut h = String::from(
        "<!doctype html><meta charset=utf-8><title>Keyword clusters</title><style>\
         body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}\
         details{border:1px solid #ddd;border-radius:6px;margin:.4em 0;padding:.4em .8em}\
         summary{cursor:pointer}.valid{border-left:5px solid #3a3}.invalid{border-left:5px solid #c44}\
         .vol{color:#666}.sim{display:inline-block;height:.6em;background:#48c;margin-right:.4em}\
         ul{margin:.3em 0}li{list-style:none}.why{color:#c44;font-size:12px}\
         input{padding:.4em;width:25em}</style>\
         <h1>Keyword clusters</h1><input id=q placeholder='filter hubs and spokes…' \
         oninput=\"for(const d of document.querySelectorAll('details'))d.style.display=\
         d.textContent.toLowerCase().includes(this.value.toLowerCase())?'':'none'\">",
    );
    let valid = validations.iter().filter(|v| v.status == ValidationStatus::Valid).count();
    let _ = write!(
        h,
        "<p>{} clusters ({valid} valid), {} unclustered keywords.</p>",
        clustering.clusters.len(),
        clustering.unclustered.len()
    );
    for (c, v) in clustering.clusters.iter().zip(validations) {
        let _ = write!(
            h,
            "<details class={}><summary><b>{}</b> <span class=vol>{} searches · {} spokes · avg {:.3}</span>",
            v.status,
            escape(text(&c.hub)),
            volume(&c.hub).map_or("?".to_owned(), |x| x.to_string()),
            c.spokes.len(),
            v.avg_similarity
        );
        if !v.reasons.is_empty() {
            let _ = write!(h, " <span class=why>{}</span>", escape(&v.reasons.join(", ")));
        }
        h.push_str("</summary><ul>");
        for (s, sim) in &c.spokes {
            let _ = write!(
                h,
                "<li><span class=sim style='width:{:.0}px'></span>{} <span class=vol>{:.3} · {}</span></li>",
                (sim.clamp(0.0, 1.0) * 80.0),
                escape(text(s)),
                sim,
                volume(s).map_or("?".to_owned(), |x| x.to_string())
            );
        }
        h.push_str("</ul></details>");
    }
    if !clustering.unclustered.is_empty() {
        h.push_str("<details><summary>Unclustered</summary><ul>");
        for id in &clustering.unclustered {
            let _ = write!(h, "<li>{}</li>", escape(text(id)));
        }
        h.push_str("</ul></details>");
    }
    std::fs::write(path, h)?;
    Ok(())
}
