//! The cluster tool's outputs: labels for the NumPy comparison, CSV, JSON and a static HTML page.

use crate::input::Row;
use anyhow::{Context, Result};
use infin8_core::KeywordId;
use infin8_core::cluster::{Clustering, NewValidation, ValidationStatus};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// `1 spoke`, `2 spokes`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// Writes one line per input row: its hub's row index (its own when it is a hub or unclustered,
/// `-1` when filtered out).
pub fn write_labels(
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
    let write = || -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        for l in label {
            writeln!(out, "{l}")?;
        }
        out.flush()
    };
    write().with_context(|| format!("--labels {}: writing", path.display()))
}

/// Writes `clusters.csv`: one row per hub–spoke pair.
pub fn write_csv(
    path: &Path,
    clustering: &Clustering,
    validations: &[NewValidation],
    look: &Lookup<'_>,
) -> Result<()> {
    let text = |id: &KeywordId| look.text(id);
    let volume = |id: &KeywordId| look.volume(id);
    let mut w = csv::Writer::from_path(path).with_context(|| format!("creating {}", path.display()))?;
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

/// Writes `clusters.json`: clusters with validation, unclustered and rejected keywords.
pub fn write_json(
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
    std::fs::write(path, serde_json::to_vec_pretty(&doc)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Keyword text and volume by id.
pub struct Lookup<'a> {
    /// The input rows.
    pub rows: &'a [Row],
    /// Row index by keyword id.
    pub row_of: &'a HashMap<KeywordId, usize>,
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
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Writes `clusters.html`: a self-contained page of hubs and spokes.
pub fn write_html(
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
        "<p>{} ({valid} valid), {} unclustered.</p>",
        plural(clustering.clusters.len(), "cluster"),
        plural(clustering.unclustered.len(), "keyword")
    );
    for (c, v) in clustering.clusters.iter().zip(validations) {
        let _ = write!(
            h,
            "<details class={}><summary><b>{}</b> <span class=vol>{} searches · {} · avg {:.3}</span>",
            v.status,
            escape(text(&c.hub)),
            volume(&c.hub).map_or("?".to_owned(), |x| x.to_string()),
            plural(c.spokes.len(), "spoke"),
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
    std::fs::write(path, h).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
