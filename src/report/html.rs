//! HTML building blocks of the report: escaping, number formats, the stylesheet.

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `12345` → `"12,345"`.
pub(crate) fn fmt_int(n: impl Into<i64>) -> String {
    let n: i64 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Money for people: cents from a dollar up, four decimals below (API calls cost fractions of a
/// cent).
pub(crate) fn fmt_usd(u: infin8_core::Usd) -> String {
    let dollars = u.micros() as f64 / 1e6;
    if dollars.abs() >= 1.0 || dollars == 0.0 { format!("${dollars:.2}") } else { format!("${dollars:.4}") }
}

/// The stylesheet: readable on screen and in print, no web fonts, no network.
pub(crate) const STYLE: &str = r#"
:root{--ink:#1f2933;--muted:#66788a;--line:#e4e9ee;--ok:#23824a;--bad:#b8323a;--warn:#9a6400;--accent:#3b7bbf}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0;background:#f6f8fa;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:1.5rem 2rem 4rem}
h1{font-size:1.7rem;margin:.2rem 0}
h2{font-size:1.25rem;margin:2.2rem 0 .6rem;padding-bottom:.3rem;border-bottom:2px solid var(--line)}
h2 small,h3 small{font-weight:normal;color:var(--muted);font-size:.85rem}
h3{font-size:1.05rem;margin:0;display:inline}
nav a{margin-right:1rem;color:var(--accent);text-decoration:none;font-size:.9rem}
.muted,.note{color:var(--muted);font-size:.9rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(165px,1fr));gap:.7rem;margin:1rem 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.7rem .9rem}
.card b{display:block;font-size:1.45rem}
.card span{color:var(--muted);font-size:.85rem}
.notice{background:#fff7e6;border:1px solid #f0d199;border-left:5px solid var(--warn);border-radius:6px;padding:.7rem 1rem;margin:.8rem 0}
.notice.info{background:#eef5fc;border-color:#bcd5ee;border-left-color:var(--accent)}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
th,td{padding:.35rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f0f3f6;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{background:#e8eef4;border-radius:3px;height:.9rem;min-width:2px}
.bar i{display:block;height:100%;background:var(--accent);border-radius:3px}
.ok{color:var(--ok)} .bad{color:var(--bad)}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;margin-left:.4rem;color:#fff}
.badge.ok{background:var(--ok)} .badge.bad{background:var(--bad)}
.cluster{background:#fff;border:1px solid var(--line);border-left:5px solid var(--ok);border-radius:8px;padding:.8rem 1rem;margin:.9rem 0}
.cluster.invalid{border-left-color:var(--bad)}
.cluster-body{display:grid;grid-template-columns:470px 1fr;gap:1rem;margin-top:.5rem}
@media (max-width:980px){.cluster-body{grid-template-columns:1fr}}
.diagram text{font-family:inherit;fill:var(--ink)}
table.measure{margin-bottom:.6rem}
details summary{cursor:pointer;color:var(--accent);margin:.3rem 0}
ul.guards{margin:.2rem 0;padding-left:1.1rem}
footer{margin-top:3rem;color:var(--muted);font-size:.85rem}
"#;
