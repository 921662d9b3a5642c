//! The cluster tool's refusals of bad input: each names the line (or path) and what was found.

use super::input::{clean_keyword, detect_delimiter, parse_difficulty, parse_volume, read_npy, read_rows};
use super::output::plural;
use super::{check_output_paths, explain_cluster_error};
use infin8_core::KeywordId;
use infin8_core::cluster::{ClusterItem, HubSpokeConfig, cluster_hub_spoke};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn file(dir: &tempfile::TempDir, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn read_err(name: &str, content: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, name, content.as_bytes());
    format!("{:#}", read_rows(&path).unwrap_err())
}

#[test]
fn control_characters_in_keywords_are_refused_naming_the_line() {
    for (cell, code) in
        [("a\u{0}b", "U+0000"), ("\u{1b}[31mred", "U+001B"), ("x\u{7f}", "U+007F"), ("y\u{85}", "U+0085")]
    {
        let err = read_err("k.csv", &format!("keyword,volume\nfine,10\n\"{cell}\",20\n"));
        assert!(err.contains("line 3") && err.contains(code), "{cell:?}: {err}");
    }
}

#[test]
fn invisible_only_and_empty_keywords_are_refused_naming_the_line() {
    let err = read_err("k.csv", "keyword,volume\nfine,10\nok,1\n\u{200b}\u{200b},20\n");
    assert!(err.contains("line 4") && err.contains("only invisible"), "{err}");
    let err = read_err("k.csv", "keyword,volume\nfine,10\n\u{202e}\u{2066},20\n");
    assert!(err.contains("line 3") && err.contains("only invisible"), "{err}");
    let err = read_err("k.csv", "keyword,volume\n ,20\n");
    assert!(err.contains("line 2") && err.contains("empty"), "{err}");
    let err = read_err("k.jsonl", "{\"keyword\": \"a\"}\n\n{\"keyword\": \"\\u0000\"}\n");
    assert!(err.contains("line 3") && err.contains("U+0000"), "{err}");
}

#[test]
fn zero_width_and_bidi_characters_are_removed_and_reported() {
    assert_eq!(clean_keyword("bam\u{200b}boo socks").unwrap(), ("bamboo socks".to_owned(), true));
    assert_eq!(clean_keyword("\u{202e}skcos\u{202c}").unwrap(), ("skcos".to_owned(), true));
    assert_eq!(clean_keyword("\u{feff}mens\tsocks ").unwrap(), ("mens socks".to_owned(), true));
    assert_eq!(clean_keyword("wool socks").unwrap(), ("wool socks".to_owned(), false));
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, "k.csv", "keyword\nwool socks\n\u{2067}bamboo\u{2069} socks\n".as_bytes());
    let (rows, notes) = read_rows(&path).unwrap();
    assert_eq!(rows[1].keyword, "bamboo socks");
    assert_eq!(notes.cleaned_lines, vec![3]);
}

#[test]
fn bad_volumes_are_refused_naming_the_line() {
    for cell in ["NaN", "nan", "inf", "-inf", "infinity", "-5", "-0.5", "1e300", "abc", "12x"] {
        let err = read_err("k.csv", &format!("keyword,volume\na,1\nb,{cell}\n"));
        assert!(err.contains("line 3") && err.contains("volume"), "{cell}: {err}");
    }
    let err = read_err("k.jsonl", "{\"keyword\": \"a\", \"volume\": -3}\n");
    assert!(err.contains("line 1") && err.contains("negative"), "{err}");
    let err = read_err("k.jsonl", "{\"keyword\": \"a\", \"volume\": \"NaN\"}\n");
    assert!(err.contains("line 1") && err.contains("finite"), "{err}");
    assert_eq!(parse_volume("1,200"), Ok(Some(1200)));
    assert_eq!(parse_volume("12.6"), Ok(Some(13)));
    assert_eq!(parse_volume("n/a"), Ok(None));
    assert_eq!(parse_volume("0"), Ok(Some(0)));
    assert!(parse_difficulty("101").is_err() && parse_difficulty("NaN").is_err());
    assert_eq!(parse_difficulty("35"), Ok(Some(35)));
}

#[test]
fn bad_embedding_cells_name_the_line() {
    let err = read_err("k.csv", "keyword,embedding\na,\"[1, 2]\"\nb,\"[1, x]\"\n");
    assert!(err.contains("line 3") && err.contains("\"x\""), "{err}");
}

#[test]
fn semicolon_and_tab_files_are_read() {
    for (sep, name) in [(";", "k.csv"), ("\t", "k.tsv")] {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "Keyword{sep}Search Volume{sep}KD\nwool socks{sep}1.300{sep}12\n\"a{sep}b\"{sep}5{sep}3\n"
        );
        let path = file(&dir, name, text.as_bytes());
        let (rows, _) = read_rows(&path).unwrap();
        assert_eq!(rows.len(), 2, "{sep:?}");
        assert_eq!(rows[0].keyword, "wool socks");
        // A quoted delimiter stays in the keyword (a tab becomes a space, as any whitespace control).
        assert_eq!(rows[1].keyword, if sep == ";" { "a;b" } else { "a b" });
        assert_eq!(rows[1].volume, Some(5));
        assert_eq!(rows[0].difficulty, Some(12));
    }
    assert_eq!(detect_delimiter("keyword,volume"), b',');
    assert_eq!(detect_delimiter("\"a,b\";c;d"), b';');
    assert_eq!(detect_delimiter("keyword"), b',');
}

#[test]
fn a_header_without_keyword_column_says_what_was_found() {
    let err = read_err("k.csv", "term;volume\nwool;10\n");
    assert!(err.contains("no `keyword` column") && err.contains("`;`") && err.contains("\"term\""), "{err}");
    let err = read_err("k.csv", "kw\tvol\nwool\t10\n");
    assert!(err.contains("tab") && err.contains("\"kw\", \"vol\""), "{err}");
}

#[test]
fn empty_and_header_only_files_are_refused() {
    for content in ["", "\n\n  \n", "\u{feff}"] {
        let err = read_err("k.csv", content);
        assert!(err.contains("is empty"), "{content:?}: {err}");
    }
    let err = read_err("k.csv", "keyword,volume\n");
    assert!(err.contains("no keyword rows"), "{err}");
}

/// A version 1.0 `.npy` header for `descr` and `shape`, padded as NumPy pads it.
fn npy_header(descr: &str, shape: &str) -> Vec<u8> {
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + dict.len() + 1) % 64 != 0 {
        dict.push(' ');
    }
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(dict.len()).unwrap().to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

#[test]
fn npy_files_are_checked_with_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let mut good = npy_header("<f4", "(2, 3)");
    good.extend((0..6).flat_map(|i| (i as f32).to_le_bytes()));
    let (data, d) = read_npy(&file(&dir, "good.npy", &good), 2).unwrap();
    assert_eq!((data.len(), d, data[5]), (6, 3, 5.0));

    let truncated = file(&dir, "short.npy", &good[..good.len() - 5]);
    let err = format!("{:#}", read_npy(&truncated, 2).unwrap_err());
    assert!(
        err.contains("truncated") && err.contains("2 × 3") && err.contains("24 bytes") && err.contains("19"),
        "{err}"
    );

    let err = format!("{:#}", read_npy(&file(&dir, "shape.npy", &good), 3).unwrap_err());
    assert!(err.contains("expected [3, d]"), "{err}");

    let mut f8 = npy_header("<f8", "(2, 3)");
    f8.extend([0_u8; 48]);
    let err = format!("{:#}", read_npy(&file(&dir, "f8.npy", &f8), 2).unwrap_err());
    assert!(err.contains("<f8") && err.contains("float32"), "{err}");

    let err = format!("{:#}", read_npy(&file(&dir, "text.npy", b"keyword\n"), 2).unwrap_err());
    assert!(err.contains("not a NumPy .npy file"), "{err}");
}

#[test]
fn output_paths_are_checked_before_any_work_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let taken = file(&dir, "taken", b"x");
    let err = check_output_paths(Some(&taken), None).unwrap_err().to_string();
    assert!(err.contains(&taken.display().to_string()) && err.contains("not a directory"), "{err}");
    let labels = dir.path().join("missing/sub/labels.txt");
    let err = check_output_paths(None, Some(&labels)).unwrap_err().to_string();
    assert!(
        err.contains(&dir.path().join("missing/sub").display().to_string()) && err.contains("does not exist"),
        "{err}"
    );
    let err = check_output_paths(None, Some(dir.path())).unwrap_err().to_string();
    assert!(err.contains("is a directory"), "{err}");
    assert!(check_output_paths(Some(&dir.path().join("new")), Some(&dir.path().join("l.txt"))).is_ok());
    assert!(check_output_paths(None, Some(Path::new("labels.txt"))).is_ok());
}

#[test]
fn clustering_errors_name_the_line_not_the_internal_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, "k.csv", b"keyword,embedding\na,\"[1, 0]\"\nb,\"[0, 1, 0]\"\nc,\"[0, 0]\"\n");
    let (rows, _) = read_rows(&path).unwrap();
    let ids: Vec<KeywordId> =
        (0..rows.len()).map(|i| KeywordId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1))).collect();
    let row_of: HashMap<KeywordId, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let items: Vec<ClusterItem<'_>> = rows
        .iter()
        .zip(&ids)
        .map(|(r, &id)| ClusterItem { id, search_volume: 0, embedding: r.embedding.as_deref().unwrap() })
        .collect();
    let e = cluster_hub_spoke(&items, &HubSpokeConfig::default()).unwrap_err();
    let msg = explain_cluster_error(&e, &rows, &row_of, &path).to_string();
    assert!(msg.contains("line 3") && msg.contains("\"b\"") && msg.contains("3 dimensions"), "{msg}");
    assert!(!msg.contains(&ids[1].to_string()), "{msg}");
    let e = cluster_hub_spoke(&[items[0], items[2]], &HubSpokeConfig::default()).unwrap_err();
    let msg = explain_cluster_error(&e, &rows, &row_of, &path).to_string();
    assert!(msg.contains("line 4") && msg.contains("all zeros"), "{msg}");
}

#[test]
fn counts_are_pluralized() {
    assert_eq!(plural(1, "spoke"), "1 spoke");
    assert_eq!(plural(0, "spoke"), "0 spokes");
    assert_eq!(plural(2, "cluster"), "2 clusters");
}

#[test]
fn the_sample_keyword_list_reads_cleanly() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/keywords-sample.csv");
    let (rows, notes) = read_rows(&path).unwrap();
    assert!(rows.len() >= 300, "{}", rows.len());
    assert!(notes.cleaned_lines.is_empty());
    assert!(
        rows.iter()
            .all(|r| r.volume.is_some_and(|v| v >= 10) && r.difficulty.is_some() && r.intent.is_some())
    );
}

#[test]
fn the_html_says_1_spoke() {
    use infin8_core::cluster::validate::{ValidationRules, validate_clusters};
    use infin8_core::cluster::{Cluster, Clustering};
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, "k.csv", b"keyword,volume\nwool socks,100\nwool sock,50\n");
    let (rows, _) = read_rows(&path).unwrap();
    let ids: Vec<KeywordId> = (1..=2).map(|i| KeywordId::from_uuid(uuid::Uuid::from_u128(i))).collect();
    let row_of: HashMap<KeywordId, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let clustering = Clustering {
        clusters: vec![Cluster { hub: ids[0], spokes: vec![(ids[1], 0.9)] }],
        unclustered: vec![],
    };
    let validations = validate_clusters(&clustering, &HashMap::new(), &ValidationRules::default());
    let out = dir.path().join("c.html");
    super::output::write_html(
        &out,
        &clustering,
        &validations,
        &super::output::Lookup { rows: &rows, row_of: &row_of },
    )
    .unwrap();
    let html = std::fs::read_to_string(out).unwrap();
    assert!(html.contains("· 1 spoke ·") && !html.contains("1 spokes"), "{html}");
    assert!(html.contains("1 cluster (") && html.contains("0 keywords unclustered"), "{html}");
}
