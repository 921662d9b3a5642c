//! Reading and checking the cluster tool's input: the keyword CSV/JSONL and the `.npy` matrix.
//!
//! Every refusal names the input line (1-based, as an editor shows it) and says what was found,
//! so a user can fix that one row.

use anyhow::{Context, Result, bail};
use infin8_core::keyword::{SearchIntent, normalize_keyword};
use std::path::Path;

/// One input row.
#[derive(Debug, Default)]
pub struct Row {
    /// The 1-based line of the input file the row starts on.
    pub line: u64,
    /// The keyword as given, less invisible characters (see [`clean_keyword`]).
    pub keyword: String,
    /// The normalized form (filters and the hashing embedder use it).
    pub normalized: String,
    /// Monthly search volume; `None` when the cell is empty or says "n/a".
    pub volume: Option<i64>,
    /// Keyword difficulty 0–100.
    pub difficulty: Option<i32>,
    /// Search intent, when given and recognized.
    pub intent: Option<SearchIntent>,
    /// A per-row embedding.
    pub embedding: Option<Vec<f32>>,
}

/// What reading found besides the rows: lines whose keyword lost invisible characters.
#[derive(Debug, Default)]
pub struct Notes {
    /// Lines whose keyword held zero-width or bidirectional-control characters (removed).
    pub cleaned_lines: Vec<u64>,
}

/// Zero-width and bidirectional formatting characters: invisible in a report, yet they make two
/// identical-looking keywords different or reorder the text around them (Trojan Source).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' // soft hyphen
            | '\u{061C}' // Arabic letter mark
            | '\u{180E}' // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}' // zero-width space, (non-)joiner, LRM, RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{FEFF}' // zero-width no-break space (BOM)
    )
}

/// Cleans one keyword cell: whitespace controls (tab, newline) become spaces, invisible
/// characters ([`is_invisible`]) are removed; any other control character (NUL, ESC, DEL, C1) is
/// refused, as is a keyword with nothing visible left. Returns the text and whether it changed
/// beyond trimming.
///
/// # Errors
/// A lower-case reason, without the line (the caller adds it).
pub fn clean_keyword(raw: &str) -> Result<(String, bool), String> {
    if let Some(c) = raw.chars().find(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        return Err(format!("keyword {raw:?} contains the control character U+{:04X}", u32::from(c)));
    }
    let mut changed = false;
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if is_invisible(c) {
            changed = true;
        } else if matches!(c, '\t' | '\n' | '\r') {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    let out = out.trim();
    if out.is_empty() {
        return Err(if raw.trim().is_empty() {
            "keyword is empty".to_owned()
        } else {
            format!("keyword {raw:?} holds only invisible characters")
        });
    }
    Ok((out.to_owned(), changed))
}

/// Cells that mean "unknown" in keyword-tool exports.
fn is_unknown(s: &str) -> bool {
    matches!(s.to_ascii_lowercase().as_str(), "" | "-" | "n/a" | "na" | "null" | "none")
}

/// Parses a search volume cell: a finite, non-negative number (thousands separators allowed,
/// fractions rounded). `Ok(None)` for an unknown cell.
///
/// # Errors
/// A lower-case reason naming the cell.
pub fn parse_volume(s: &str) -> Result<Option<i64>, String> {
    let s = s.trim();
    if is_unknown(s) {
        return Ok(None);
    }
    let v: f64 =
        s.replace([',', '_', ' '], "").parse().map_err(|_| format!("volume {s:?} is not a number"))?;
    if !v.is_finite() {
        return Err(format!("volume {s:?} is not a finite number"));
    }
    if v < 0.0 {
        return Err(format!("volume {s} is negative"));
    }
    // 2^62: far above any real volume, and exactly representable, so the cast cannot saturate.
    if v >= 4.611_686_018_427_388e18 {
        return Err(format!("volume {s} is too large"));
    }
    #[allow(clippy::cast_possible_truncation)]
    Ok(Some(v.round() as i64))
}

/// Parses a keyword difficulty cell: a number in 0–100. `Ok(None)` for an unknown cell.
///
/// # Errors
/// A lower-case reason naming the cell.
pub fn parse_difficulty(s: &str) -> Result<Option<i32>, String> {
    let s = s.trim();
    if is_unknown(s) {
        return Ok(None);
    }
    let v: f64 = s.parse().map_err(|_| format!("difficulty {s:?} is not a number"))?;
    if !(0.0..=100.0).contains(&v) {
        return Err(format!("difficulty {s} is not in 0–100"));
    }
    #[allow(clippy::cast_possible_truncation)]
    Ok(Some(v.round() as i32))
}

/// Parses an embedding cell: a JSON array or whitespace/comma-separated floats.
///
/// # Errors
/// A lower-case reason naming the bad component.
pub fn parse_vector(s: &str) -> Result<Vec<f32>, String> {
    let s = s.trim().trim_start_matches('[').trim_end_matches(']');
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<f32>().map_err(|_| format!("embedding component {t:?} is not a number")))
        .collect()
}

/// The delimiter of a CSV header line: whichever of `,` `;` tab occurs most often outside quotes
/// (a spreadsheet in a comma-decimal locale exports `;`; some tools export TSV). `,` on a tie.
pub fn detect_delimiter(header: &str) -> u8 {
    let (mut counts, mut quoted) = ([0_usize; 3], false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).rev().max_by_key(|&i| (counts[i], i == 0)).unwrap_or(0);
    if counts[best] == 0 { b',' } else { [b',', b';', b'\t'][best] }
}

fn delimiter_name(d: u8) -> &'static str {
    match d {
        b';' => "`;`",
        b'\t' => "tab",
        _ => "`,`",
    }
}

/// Reads the keyword file (`.jsonl`/`.ndjson`: JSON lines; anything else: CSV with a header).
///
/// # Errors
/// An unreadable or empty file, a header without a keyword column (naming the columns found and
/// the delimiter used), or a bad row (naming its line).
pub fn read_rows(path: &Path) -> Result<(Vec<Row>, Notes)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    if text.trim().is_empty() {
        bail!(
            "{} is empty: expected a header line with a `keyword` column, then one keyword per line",
            path.display()
        );
    }
    let is_jsonl = path.extension().is_some_and(|e| e == "jsonl" || e == "ndjson");
    let mut rows = if is_jsonl { read_jsonl(text) } else { read_csv(text) }
        .with_context(|| format!("reading {}", path.display()))?;
    let mut notes = Notes::default();
    for r in &mut rows {
        let (keyword, changed) = clean_keyword(&r.keyword)
            .map_err(|e| anyhow::anyhow!("{}: line {}: {e}", path.display(), r.line))?;
        if changed {
            notes.cleaned_lines.push(r.line);
        }
        r.keyword = keyword;
        // Unnormalizable text keeps its trimmed form; the filter's length rule judges it.
        r.normalized = normalize_keyword(&r.keyword).unwrap_or_else(|_| r.keyword.clone());
    }
    if rows.is_empty() {
        bail!("{} has a header but no keyword rows", path.display());
    }
    Ok((rows, notes))
}

fn read_jsonl(text: &str) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let at = |e: String| anyhow::anyhow!("line {line_no}: {e}");
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| at(format!("not JSON: {e}")))?;
        let field = |k: &str| v.get(k).filter(|x| !x.is_null());
        let keyword = field("keyword")
            .or_else(|| field("query"))
            .context("no `keyword` field")
            .map_err(|e| at(e.to_string()))?;
        let keyword = keyword.as_str().ok_or_else(|| at(format!("keyword {keyword} is not a string")))?;
        let number = |x: &serde_json::Value| match x {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let volume = field("volume").or_else(|| field("search_volume"));
        rows.push(Row {
            line: line_no,
            keyword: keyword.to_owned(),
            volume: volume.map(|x| parse_volume(&number(x))).transpose().map_err(at)?.flatten(),
            difficulty: field("difficulty")
                .map(|x| parse_difficulty(&number(x)))
                .transpose()
                .map_err(at)?
                .flatten(),
            intent: field("intent").and_then(|x| x.as_str()).and_then(|s| s.to_lowercase().parse().ok()),
            embedding: field("embedding")
                .map(|e| {
                    serde_json::from_value::<Vec<f32>>(e.clone()).map_err(|e| at(format!("embedding: {e}")))
                })
                .transpose()?,
            ..Row::default()
        });
    }
    Ok(rows)
}

const KEYWORD_COLUMNS: [&str; 5] = ["keyword", "keywords", "query", "search term", "phrase"];

fn read_csv(text: &str) -> Result<Vec<Row>> {
    let header_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = detect_delimiter(header_line);
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers()?.iter().map(|h| h.trim().to_lowercase()).collect();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let Some(keyword_col) = col(&KEYWORD_COLUMNS) else {
        bail!(
            "no `keyword` column: the header, read with delimiter {}, has the column{} {:?}; expected one named {}",
            delimiter_name(delimiter),
            if headers.len() == 1 { "" } else { "s" },
            headers,
            KEYWORD_COLUMNS.map(|c| format!("`{c}`")).join(", "),
        );
    };
    let volume_col = col(&["volume", "search_volume", "search volume", "avg. monthly searches"]);
    let difficulty_col = col(&["difficulty", "keyword_difficulty", "keyword difficulty", "kd"]);
    let intent_col = col(&["intent", "search_intent"]);
    let embedding_col = col(&["embedding", "vector"]);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let line = record.position().map_or(0, csv::Position::line);
        let at = |e: String| anyhow::anyhow!("line {line}: {e}");
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).map(str::trim).filter(|s| !s.is_empty());
        rows.push(Row {
            line,
            keyword: record.get(keyword_col).unwrap_or("").to_owned(),
            volume: get(volume_col).map(parse_volume).transpose().map_err(at)?.flatten(),
            difficulty: get(difficulty_col).map(parse_difficulty).transpose().map_err(at)?.flatten(),
            intent: get(intent_col).and_then(|s| s.to_lowercase().parse().ok()),
            embedding: get(embedding_col).map(parse_vector).transpose().map_err(at)?,
            ..Row::default()
        });
    }
    Ok(rows)
}

/// The length of a `.npy` file's header (magic, version, length field and the header text).
fn npy_header_len(path: &Path) -> Result<u64> {
    use std::io::Read;
    let mut head = [0_u8; 12];
    let mut file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let got = file.read(&mut head)?;
    if got < 10 || &head[..6] != b"\x93NUMPY" {
        bail!("{}: not a NumPy .npy file (no `\\x93NUMPY` magic; save with np.save)", path.display());
    }
    Ok(match head[6] {
        1 => 10 + u64::from(u16::from_le_bytes([head[8], head[9]])),
        _ => 12 + u64::from(u32::from_le_bytes([head[8], head[9], head[10], head[11]])),
    })
}

/// Reads a C-order float32 `[n, d]` `.npy` matrix, row-aligned with the keyword file.
///
/// # Errors
/// Not a `.npy`, another shape or dtype, Fortran order, or fewer data bytes than the header
/// announces (each naming what was expected and what was found).
pub fn read_npy(path: &Path, n: usize) -> Result<(Vec<f32>, usize)> {
    let header_len = npy_header_len(path)?;
    let file_len = std::fs::metadata(path)?.len();
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let npy = npyz::NpyFile::new(std::io::BufReader::with_capacity(1 << 20, file))
        .with_context(|| format!("{}: unreadable .npy header", path.display()))?;
    let shape = npy.shape().to_vec();
    if shape.len() != 2 || usize::try_from(shape[0]).ok() != Some(n) {
        bail!("{}: shape {shape:?}, expected [{n}, d] (one row per keyword)", path.display());
    }
    let dtype = npy.dtype().descr();
    if !matches!(dtype.trim_matches('\''), "<f4" | "|f4") {
        bail!(
            "{}: dtype {dtype}, expected float32 (`<f4`); convert with X.astype(np.float32)",
            path.display()
        );
    }
    if npy.order() != npyz::Order::C {
        bail!("{}: Fortran-order array; save with np.ascontiguousarray", path.display());
    }
    let d = usize::try_from(shape[1])?;
    let need = (n as u64).saturating_mul(d as u64).saturating_mul(4);
    let have = file_len.saturating_sub(header_len);
    if have < need {
        bail!(
            "{}: truncated: the header announces {n} × {d} float32 values ({need} bytes of data), the file holds {have} bytes after its {header_len}-byte header",
            path.display()
        );
    }
    let data: Vec<f32> =
        npy.into_vec().with_context(|| format!("{}: reading {n} × {d} float32 values", path.display()))?;
    Ok((data, d))
}
