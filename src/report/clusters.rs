//! The clusters section: per cluster a hub-and-spoke diagram whose labels never overlap (the
//! spokes are rows, so 40 spokes read as well as 4), the keywords with their volumes and intents,
//! and the validation measurements beside the thresholds they were held to.

use super::html::{esc, fmt_int};
use crate::snapshot::WorkflowSnapshot;
use infin8_core::cluster::{ClusterSpoke, ClusterValidation, ValidationStatus};
use std::fmt::Write as _;

const ROW: f64 = 20.0;

/// The section's HTML.
pub(super) fn section(s: &WorkflowSnapshot) -> String {
    let mut html = String::new();
    let mut order: Vec<&ClusterValidation> = s.validations.iter().collect();
    // Valid clusters first, then by total volume.
    let total = |v: &ClusterValidation| -> i64 {
        spokes_of(s, v).iter().map(|c| vol(s, c.spoke_keyword_id)).sum::<i64>() + vol(s, v.hub_keyword_id)
    };
    order.sort_by_key(|v| (v.status != ValidationStatus::Valid, std::cmp::Reverse(total(v))));
    let valid = order.iter().filter(|v| v.status == ValidationStatus::Valid).count();
    let _ = write!(
        html,
        "<section id=\"clusters\"><h2>Topic clusters <small>{valid} valid of {}</small></h2>\
         <p class=\"note\">Each cluster is one pillar page (the hub) and its supporting articles (the spokes). \
         Line thickness shows how close a spoke is to the hub.</p>",
        order.len()
    );
    for v in order {
        cluster_card(&mut html, s, v, total(v));
    }
    html.push_str("</section>");
    html
}

fn vol(s: &WorkflowSnapshot, id: infin8_core::KeywordId) -> i64 {
    s.keyword(id).and_then(|k| k.metrics.search_volume).unwrap_or(0)
}

fn spokes_of<'a>(s: &'a WorkflowSnapshot, v: &ClusterValidation) -> Vec<&'a ClusterSpoke> {
    let mut spokes: Vec<&ClusterSpoke> =
        s.spokes.iter().filter(|c| c.hub_keyword_id == v.hub_keyword_id).collect();
    spokes.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
    spokes
}

fn cluster_card(html: &mut String, s: &WorkflowSnapshot, v: &ClusterValidation, total: i64) {
    let spokes = spokes_of(s, v);
    let valid = v.status == ValidationStatus::Valid;
    let hub = s.text(v.hub_keyword_id);
    let _ = write!(
        html,
        "<article class=\"cluster {status}\" data-status=\"{status}\"><header><h3>{hub}</h3>\
         <span class=\"badge {cls}\">{status}</span> <span class=\"muted\">{n} spokes · {vol} searches/month in total</span></header>",
        cls = if valid { "ok" } else { "bad" },
        status = v.status,
        hub = esc(hub),
        n = spokes.len(),
        vol = fmt_int(total),
    );
    html.push_str("<div class=\"cluster-body\">");
    diagram(html, s, hub, &spokes);
    html.push_str("<div>");
    measurements(html, v);
    keyword_table(html, s, v, &spokes);
    html.push_str("</div></div></article>");
}

/// Hub on the left, one row per spoke on the right: labels cannot collide at any spoke count.
fn diagram(html: &mut String, s: &WorkflowSnapshot, hub: &str, spokes: &[&ClusterSpoke]) {
    let height = (spokes.len().max(1) as f64) * ROW + 20.0;
    let (hx, hy) = (14.0, height / 2.0);
    let sx = 190.0;
    let _ = write!(
        html,
        "<svg class=\"diagram\" role=\"img\" aria-label=\"{label}\" width=\"460\" height=\"{height:.0}\" viewBox=\"0 0 460 {height:.0}\">",
        label = esc(&format!("{hub}: {} spokes", spokes.len())),
    );
    for (i, c) in spokes.iter().enumerate() {
        let y = 10.0 + ROW * (i as f64) + ROW / 2.0;
        let w = 0.8 + 3.5 * f64::from(c.similarity).clamp(0.0, 1.0);
        let text: String = s.text(c.spoke_keyword_id).chars().take(38).collect();
        let _ = write!(
            html,
            "<path d=\"M{hx} {hy:.1} C{mx:.1} {hy:.1}, {mx:.1} {y:.1}, {sx} {y:.1}\" fill=\"none\" stroke=\"#9db4c8\" stroke-width=\"{w:.2}\"/>\
             <circle cx=\"{sx}\" cy=\"{y:.1}\" r=\"4\" fill=\"#3b7bbf\"/>\
             <text x=\"{tx}\" y=\"{ty:.1}\" font-size=\"12\">{text} <tspan fill=\"#777\">{sim:.2}</tspan></text>",
            mx = (hx + sx) / 2.0,
            tx = sx + 9.0,
            ty = y + 4.0,
            text = esc(&text),
            sim = c.similarity,
        );
    }
    let _ = write!(html, "<circle cx=\"{hx}\" cy=\"{hy:.1}\" r=\"9\" fill=\"#e0782f\"/></svg>");
}

/// The measurements behind the validation verdict, beside each rule's threshold.
fn measurements(html: &mut String, v: &ClusterValidation) {
    let m = &v.metadata["measured"];
    let r = &v.metadata["rules"];
    let failed = |code: &str| v.reasons.iter().any(|x| x == code);
    let mark =
        |bad: bool| if bad { "<span class=\"bad\">✘</span>" } else { "<span class=\"ok\">✔</span>" };
    let f = |x: &serde_json::Value| x.as_f64().map_or("–".to_owned(), |x| format!("{x:.2}"));
    let i = |x: &serde_json::Value| x.as_i64().map_or("unknown".to_owned(), fmt_int);
    let t = |x: &serde_json::Value| x.as_str().unwrap_or("unknown").to_owned();
    let similarity_name =
        if v.metadata["similarity"].is_string() { "avg shared top-10 URLs" } else { "avg similarity" };
    html.push_str(
        "<table class=\"measure\"><tr><th>check</th><th>measured</th><th>required</th><th></th></tr>",
    );
    let rows = [
        (
            similarity_name.to_owned(),
            format!("{} (lowest spoke {})", f(&m["avg_similarity"]), f(&m["min_similarity"])),
            format!("≥ {}", f(&r["min_avg_similarity"])),
            failed("avg_similarity_below_min"),
        ),
        (
            "spokes".to_owned(),
            i(&m["spoke_count"]),
            format!("{} to {}", i(&r["min_spokes"]), i(&r["max_spokes"])),
            failed("too_few_spokes") || failed("too_many_spokes"),
        ),
        (
            "hub search volume".to_owned(),
            i(&m["hub_volume"]),
            format!("≥ {}", i(&r["min_hub_volume"])),
            failed("hub_volume_below_min"),
        ),
        (
            "intent".to_owned(),
            format!("hub {}, spokes mostly {}", t(&m["hub_intent"]), t(&m["spokes_main_intent"])),
            if r["require_intent_match"] == true { "the same".to_owned() } else { "not checked".to_owned() },
            failed("intent_mismatch"),
        ),
    ];
    for (check, measured, required, bad) in rows {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&check),
            esc(&measured),
            esc(&required),
            mark(bad)
        );
    }
    html.push_str("</table>");
}

fn keyword_table(html: &mut String, s: &WorkflowSnapshot, v: &ClusterValidation, spokes: &[&ClusterSpoke]) {
    html.push_str(
        "<details><summary>keywords</summary><table class=\"kw\"><tr><th>keyword</th><th>role</th>\
         <th class=\"n\">volume</th><th class=\"n\">KD</th><th>intent</th><th class=\"n\">similarity</th></tr>",
    );
    let rows = std::iter::once((v.hub_keyword_id, "hub", None))
        .chain(spokes.iter().map(|c| (c.spoke_keyword_id, "spoke", Some(c.similarity))));
    for (id, role, sim) in rows {
        let k = s.keyword(id);
        let m = k.map(|k| &k.metrics);
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{role}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(s.text(id)),
            m.and_then(|m| m.search_volume).map_or("–".into(), fmt_int),
            m.and_then(|m| m.difficulty).map_or("–".into(), |d| d.to_string()),
            m.and_then(|m| m.intent).map_or("–".into(), |i| i.to_string()),
            sim.map_or(String::new(), |x| format!("{x:.2}")),
        );
    }
    html.push_str("</table></details>");
}
