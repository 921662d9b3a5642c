//! The `infin8` command end to end, as a user runs it: init → run to the seed gate → review by a
//! CSV round trip → run to completion → export → report; on SQLite, and on PostgreSQL when
//! `DATABASE_URL` is set (`INFIN8_REQUIRE_POSTGRES=1` turns a missing PostgreSQL into a
//! failure). Config errors name the key and what is allowed.
#![cfg(feature = "cli")]

mod browser;

use assert_cmd::Command;
use infin8::core::Actor;
use infin8::core::approval::{ApprovalEntityType, Decision};
use infin8::core::organization::Role;
use infin8::core::{OrgId, TenantContext, UserId, WorkflowId};
use serde_json::Value;
use std::path::Path;

/// The command in `dir`, offline (no provider variables), on SQLite unless `database_url`.
fn infin8(dir: &Path, database_url: Option<&str>) -> Command {
    let mut cmd = Command::cargo_bin("infin8").expect("the infin8 binary is built");
    cmd.current_dir(dir).env_remove("DATABASE_URL").env_remove("INFIN8_CONFIG").env_remove("INFIN8_MEMBER");
    for var in infin8::providers::PROVIDER_VARIABLES {
        cmd.env_remove(var);
    }
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed\nstdout:\n{}\nstderr:\n{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

/// Writes a small campaign's config with `infin8 init`.
fn init(dir: &Path, org: &str, db: Option<&str>) {
    let out = run_ok(infin8(dir, db).args([
        "init",
        "--org",
        org,
        "--business",
        "We make product analytics software for B2B SaaS teams: funnels, cohorts, retention and A/B tests without SQL.",
        "--competitor",
        "https://www.mixpanel.com/",
        "--competitor",
        "amplitude.com",
    ]));
    assert!(out.contains("wrote infin8.toml"), "{out}");
    let path = dir.join("infin8.toml");
    let text = std::fs::read_to_string(&path)
        .expect("config written")
        .replace("max_seeds = 20", "max_seeds = 6")
        .replace("longtails_per_seed = 20", "longtails_per_seed = 8")
        .replace("max_articles = 10", "max_articles = 3")
        .replace("max_sections = 8", "max_sections = 4");
    std::fs::write(&path, text).expect("config edited");
}

/// The whole flow on one database.
async fn full_flow(db: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let org = format!("CLI Test {}", uuid::Uuid::new_v4());
    init(dir, &org, db);

    // Run: stops at the seed review gate.
    let out = run_ok(infin8(dir, db).arg("run"));
    assert!(out.contains("waiting for review: 6 seeds without a decision"), "{out}");
    let status = run_ok(infin8(dir, db).arg("status"));
    assert!(status.contains("SEED_REVIEW_PENDING"), "{status}");

    // Review by CSV round trip: reject the first seed with feedback, leave one out (decided by
    // id afterwards), approve the rest in the file.
    run_ok(infin8(dir, db).args(["review", "seeds", "export", "seeds.csv"]));
    let mut reader = csv::Reader::from_path(dir.join("seeds.csv")).expect("csv");
    let headers = reader.headers().expect("header").clone();
    for column in ["id", "keyword", "volume", "difficulty", "intent", "cpc", "source", "decision", "feedback"]
    {
        assert!(headers.iter().any(|h| h == column), "missing column {column}: {headers:?}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 6);
    let (id_col, kw_col, dec_col, fb_col) = (0, 1, 7, 8);
    let rejected_id = rows[0][id_col].to_owned();
    let rejected_kw = rows[0][kw_col].to_owned();
    let later_id = rows[1][id_col].to_owned();
    let mut writer = csv::Writer::from_path(dir.join("seeds.csv")).expect("csv");
    writer.write_record(&headers).expect("header");
    for (i, row) in rows.iter().enumerate() {
        let mut fields: Vec<String> = row.iter().map(str::to_owned).collect();
        match i {
            0 => {
                fields[dec_col] = "reject".into();
                fields[fb_col] = "not our audience".into();
            }
            1 => {}
            _ => fields[dec_col] = "approve".into(),
        }
        writer.write_record(&fields).expect("row");
    }
    writer.flush().expect("flush");
    let out = run_ok(infin8(dir, db).args(["--member", "alice", "review", "seeds", "import", "seeds.csv"]));
    assert!(out.contains("4 approved, 1 rejected; 1 without a decision"), "{out}");
    // A bad decision in the file names the line and what is allowed.
    std::fs::write(dir.join("bad.csv"), format!("id,decision\n{later_id},maybe\n")).expect("write");
    let bad = infin8(dir, db).args(["review", "seeds", "import", "bad.csv"]).output().expect("runs");
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("line 2") && err.contains("maybe") && err.contains("approve or reject"), "{err}");
    // The last seed by its short id (as listed).
    let short = &later_id[later_id.len() - 8..];
    let listed = run_ok(infin8(dir, db).args(["review", "seeds"]));
    assert!(listed.contains(short) && listed.contains("reject"), "{listed}");
    let out = run_ok(infin8(dir, db).args([
        "--member",
        "bob",
        "review",
        "seeds",
        "approve",
        short,
        "--feedback",
        "core topic",
    ]));
    assert!(out.contains("the review is complete"), "{out}");

    // The decisions are recorded with the member and the feedback.
    {
        let store = open_store(dir, db).await;
        let org_id = OrgId::derive(&[b"infin8-org", org.as_bytes()]);
        let ctx =
            TenantContext::user(org_id, UserId::derive(&[b"infin8-owner", org.as_bytes()]), Role::Owner);
        let wf =
            WorkflowId::derive(&[b"infin8-campaign", org_id.to_string().as_bytes(), b"Content campaign"]);
        let approvals =
            store.list_approvals(&ctx, wf, Some(ApprovalEntityType::SeedKeywords)).await.expect("approvals");
        assert_eq!(approvals.len(), 6);
        let alice = UserId::derive(&[b"infin8-member", org_id.to_string().as_bytes(), b"alice"]);
        let bob = UserId::derive(&[b"infin8-member", org_id.to_string().as_bytes(), b"bob"]);
        let rejected =
            approvals.iter().find(|a| a.entity_id.to_string() == rejected_id).expect("rejected seed");
        assert_eq!(rejected.decision, Decision::Rejected);
        assert_eq!(rejected.decided_by, Actor::User(alice));
        assert_eq!(rejected.feedback.as_deref(), Some("alice: not our audience"));
        let later = approvals.iter().find(|a| a.entity_id.to_string() == later_id).expect("later seed");
        assert_eq!((later.decision, later.decided_by), (Decision::Approved, Actor::User(bob)));
        assert_eq!(later.feedback.as_deref(), Some("bob: core topic"));
        assert!(approvals.iter().all(|a| matches!(a.decided_by, Actor::User(_))), "no system decision");
    }

    // Run to completion.
    let out = run_ok(infin8(dir, db).arg("run"));
    assert!(out.contains("completed:"), "{out}");
    let status = run_ok(infin8(dir, db).arg("status"));
    assert!(status.contains("state      COMPLETED"), "{status}");

    // Exports.
    let keywords: Value =
        serde_json::from_str(&run_ok(infin8(dir, db).args(["export", "keywords", "--format", "json"])))
            .expect("keywords json");
    let keywords = keywords.as_array().expect("array");
    let seeds: Vec<&Value> = keywords.iter().filter(|k| k["keyword_type"] == "seed").collect();
    assert_eq!(seeds.len(), 6);
    let gone = seeds.iter().find(|k| k["id"] == rejected_id.as_str()).expect("rejected seed exported");
    assert_eq!(gone["keyword"], rejected_kw.as_str());
    assert_eq!(gone["review_decision"], "reject");
    assert_eq!(gone["filter_status"], "rejected");
    assert_eq!(gone["filter_reasons"], "seed rejected in review");
    let longtails = keywords.iter().filter(|k| k["keyword_type"] == "longtail").count();
    assert!(longtails > 0, "longtails researched");
    assert!(
        keywords.iter().any(|k| k["cluster_role"] == "hub" && k["cluster_valid"] == true),
        "a valid cluster"
    );
    for k in keywords {
        for field in ["search_volume", "difficulty", "intent", "cpc", "filter_status", "source"] {
            assert!(k.get(field).is_some(), "{field} missing in {k}");
        }
    }
    let clusters_csv = run_ok(infin8(dir, db).args(["export", "clusters", "--format", "csv"]));
    let mut r = csv::Reader::from_reader(clusters_csv.as_bytes());
    assert!(r.headers().expect("header").iter().any(|h| h == "avg_similarity"));
    let cluster_rows = r.records().count();
    assert!(cluster_rows >= 3, "{clusters_csv}");
    let articles: Value =
        serde_json::from_str(&run_ok(infin8(dir, db).args(["export", "articles", "--format", "json"])))
            .expect("json");
    let articles = articles.as_array().expect("array");
    assert!(!articles.is_empty());
    assert!(articles.iter().all(|a| a["guards_total"].as_u64().unwrap_or(0) > 0), "guards recorded");
    let published = articles.iter().filter(|a| a["published_url"].is_string()).count();

    // Report: self-contained, with the counts the exports have.
    let out = run_ok(infin8(dir, db).arg("report"));
    assert!(out.contains("report.html"), "{out}");
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report");
    for external in ["<link", "<script", "src=\"http", "url(", "@import"] {
        assert!(!html.contains(external), "self-contained: found {external}");
    }
    assert!(html.contains("<b data-count=\"seeds\">6</b>"), "seed count");
    assert!(html.contains(&format!("<b data-count=\"articles\">{published} / {}</b>", articles.len())));
    assert!(html.contains("seed rejected in review"));
    assert!(html.contains("6 seed decision(s) by people"), "decisions by people");
    // The difficulty cut is called out when it removed keywords with ≥ 4× the median kept volume
    // (and ≥ 100 searches).
    let volume = |k: &Value| k["search_volume"].as_i64().unwrap_or(0);
    let mut kept: Vec<i64> =
        keywords.iter().filter(|k| k["filter_status"] == "approved").map(volume).collect();
    kept.sort_unstable();
    let threshold = (kept[kept.len() / 2] * 4).max(100);
    let cut: Vec<&Value> = keywords
        .iter()
        .filter(|k| {
            k["filter_reasons"].as_str().is_some_and(|r| r.contains("difficulty")) && volume(k) >= threshold
        })
        .collect();
    assert_eq!(html.contains("id=\"difficulty-warning\""), !cut.is_empty(), "difficulty warning iff {cut:?}");
    for k in &cut {
        assert!(html.contains(k["keyword"].as_str().unwrap_or("?")), "{k} named");
    }
    assert!(html.contains("<td>9. articles</td>"), "cost per step recorded");
    browser::check_report(&dir.join("report.html"), 6, articles.len());
}

async fn open_store(dir: &Path, db: Option<&str>) -> std::sync::Arc<dyn infin8::core::store::Store> {
    match db {
        #[cfg(feature = "postgres")]
        Some(url) => std::sync::Arc::new(infin8::postgres::PgStore::connect(url).await.expect("postgres")),
        #[cfg(not(feature = "postgres"))]
        Some(_) => unreachable!("postgres runs need the postgres feature"),
        None => std::sync::Arc::new(
            infin8::sqlite::SqliteStore::open(dir.join("infin8.sqlite")).await.expect("sqlite"),
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_init_run_review_by_csv_run_export_report() {
    full_flow(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_init_run_review_by_csv_run_export_report() {
    let required = std::env::var("INFIN8_REQUIRE_POSTGRES").as_deref() == Ok("1");
    let Ok(url) = std::env::var("DATABASE_URL") else {
        assert!(!required, "INFIN8_REQUIRE_POSTGRES=1 but DATABASE_URL is not set");
        eprintln!("skipping postgres CLI test: DATABASE_URL is not set");
        return;
    };
    if !cfg!(feature = "postgres") {
        assert!(
            !required,
            "INFIN8_REQUIRE_POSTGRES=1 but the postgres feature is off (test with --all-features)"
        );
        eprintln!("skipping postgres CLI test: built without the postgres feature");
        return;
    }
    full_flow(Some(&url)).await;
}

#[test]
fn config_errors_name_the_key_and_what_is_allowed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    init(dir, "Config Errors Inc", None);
    let good = std::fs::read_to_string(dir.join("infin8.toml")).expect("config");
    let cases = [
        (good.replace("max_seeds = 6", "max_seedz = 6"), vec!["max_seedz", "max_seeds"]),
        (
            good.replace("market = \"United States\"", "market = \"Atlantis\""),
            vec!["market", "Atlantis", "Germany"],
        ),
        (
            good.replace("language = \"English\"", "language = \"Klingon\""),
            vec!["language", "Klingon", "English"],
        ),
        (
            good.replace("research_ttl = \"24h\"", "research_ttl = \"a day\""),
            vec!["research_ttl", "a day", "\"24h\""],
        ),
        (
            good.replace("max_difficulty = 80", "max_difficulty = 180"),
            vec!["filter.max_difficulty", "0 to 100"],
        ),
        (good.replace("subtopic_review = \"none\"", "subtopic_review = \"maybe\""), vec!["maybe", "human"]),
        (good.replace("target = \"auto\"", "target = \"ftp\""), vec!["ftp", "wordpress"]),
        (good.replace("[publish]", "[publishing]"), vec!["publishing", "publish"]),
    ];
    for (text, expected) in cases {
        assert_ne!(text, good, "the replacement applied");
        std::fs::write(dir.join("infin8.toml"), &text).expect("write");
        let out = infin8(dir, None).arg("status").output().expect("runs");
        assert!(!out.status.success(), "a bad config is refused");
        let err = String::from_utf8_lossy(&out.stderr);
        for needle in expected {
            assert!(err.contains(needle), "{needle:?} missing in: {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
    }
    // A missing file says how to make one.
    std::fs::remove_file(dir.join("infin8.toml")).expect("remove");
    let out = infin8(dir, None).arg("run").output().expect("runs");
    assert!(String::from_utf8_lossy(&out.stderr).contains("infin8 init"));
    // init does not overwrite.
    std::fs::write(dir.join("infin8.toml"), "x").expect("write");
    let out = infin8(dir, None).arg("init").output().expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
}

#[test]
fn subtopic_review_by_pattern_then_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    init(dir, &format!("Subtopic Review {}", uuid::Uuid::new_v4()), None);
    let path = dir.join("infin8.toml");
    let text = std::fs::read_to_string(&path)
        .expect("config")
        .replace("subtopic_review = \"none\"", "subtopic_review = \"human\"");
    std::fs::write(&path, text).expect("write");

    // --auto-approve passes the seed gate only; the run stops at the subtopic review.
    let out = run_ok(infin8(dir, None).args(["run", "--auto-approve"]));
    assert!(out.contains("waiting for review") && out.contains("subtopics without a decision"), "{out}");
    let listed = run_ok(infin8(dir, None).args(["review", "subtopics"]));
    assert!(listed.contains("subtopics"), "{listed}");
    // Seeds can no longer be decided.
    let late = infin8(dir, None).args(["review", "seeds", "approve", "--all"]).output().expect("runs");
    assert!(!late.status.success());
    assert!(String::from_utf8_lossy(&late.stderr).contains("not open"));

    run_ok(infin8(dir, None).args(["review", "subtopics", "export", "subtopics.csv"]));
    let mut reader = csv::Reader::from_path(dir.join("subtopics.csv")).expect("csv");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert!(rows.len() >= 2, "several keywords with subtopics");
    let rejected = rows[0][1].to_owned();
    let out = run_ok(infin8(dir, None).args([
        "review",
        "subtopics",
        "reject",
        "--pattern",
        &rejected,
        "--feedback",
        "off topic",
    ]));
    assert!(out.contains("rejected"), "{out}");
    // A pattern matching nothing is an error naming it.
    let none = infin8(dir, None)
        .args(["review", "subtopics", "approve", "--pattern", "zzz-nothing*"])
        .output()
        .expect("runs");
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("zzz-nothing*"));

    // Everything else approved in the file (the decided row is left as it is).
    let mut edited = String::from("id,decision\n");
    for row in &rows[1..] {
        edited.push_str(&format!("{},approve\n", &row[0]));
    }
    std::fs::write(dir.join("subtopics.csv"), edited).expect("write");
    let out = run_ok(infin8(dir, None).args(["review", "subtopics", "import", "subtopics.csv"]));
    assert!(out.contains("the review is complete"), "{out}");
    let out = run_ok(infin8(dir, None).arg("run"));
    assert!(out.contains("completed:"), "{out}");
    let articles: Value =
        serde_json::from_str(&run_ok(infin8(dir, None).args(["export", "articles", "--format", "json"])))
            .expect("json");
    let articles = articles.as_array().expect("array");
    assert!(!articles.is_empty());
    assert!(
        articles.iter().all(|a| a["keyword"] != rejected.as_str()),
        "no article for a rejected keyword's subtopics"
    );
}
