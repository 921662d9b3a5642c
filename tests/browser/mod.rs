//! Rendering the report in real headless Chromium (Debian's `chromium`, installed by
//! `.ci/run`): the page loads without console messages and shows the expected counts. Without
//! Chromium the check is skipped, saying so, unless `INFIN8_REQUIRE_CHROMIUM=1` (CI).

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// Runs Chromium headless on `page` with `extra` arguments, in a fresh profile; returns
/// (stdout, stderr).
fn headless(chromium: &Path, page: &Path, extra: &[String]) -> (String, String) {
    let profile = tempfile::tempdir().expect("profile dir");
    let out = Command::new("timeout")
        .arg("120")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Console messages Chromium logged for the page (`…:CONSOLE(line)] "message", source: …`).
fn console(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// The number in `<… data-count="name">N…<`.
fn count(dom: &str, name: &str) -> String {
    let marker = format!("data-count=\"{name}\">");
    let at = dom.find(&marker).unwrap_or_else(|| panic!("{marker} not in the rendered page")) + marker.len();
    dom[at..].chars().take_while(|c| *c != '<').collect()
}

/// Loads `report` in Chromium: no console message, the expected counts in the rendered DOM, and
/// a screenshot (kept in `INFIN8_SCREENSHOT_DIR` when set).
pub fn check_report(report: &Path, seeds: usize, articles: usize) {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var("INFIN8_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "INFIN8_REQUIRE_CHROMIUM=1 but chromium is not installed (apt-get install -y chromium)"
        );
        eprintln!("skipping the browser check of the report: chromium is not installed");
        return;
    };
    // The capture itself works: a page that logs an error is caught.
    let dir = tempfile::tempdir().expect("temp dir");
    let noisy = dir.path().join("noisy.html");
    std::fs::write(&noisy, "<!doctype html><title>x</title><script>console.error('boom-from-page')</script>")
        .expect("write");
    let (_, stderr) = headless(&chromium, &noisy, &["--dump-dom".into()]);
    assert!(
        console(&stderr).iter().any(|l| l.contains("boom-from-page")),
        "the console capture does not see console.error: {stderr}"
    );

    let (dom, stderr) = headless(&chromium, report, &["--dump-dom".into()]);
    assert_eq!(console(&stderr), Vec::<&str>::new(), "console messages while loading the report");
    assert_eq!(count(&dom, "seeds"), seeds.to_string());
    assert_eq!(count(&dom, "article-rows"), articles.to_string());
    let valid = dom.matches("data-status=\"valid\"").count();
    let invalid = dom.matches("data-status=\"invalid\"").count();
    assert!(valid > 0, "a valid cluster is drawn");
    assert_eq!(count(&dom, "clusters"), format!("{valid} / {}", valid + invalid));
    assert!(dom.contains("<svg"), "cluster diagrams rendered");

    let shot_dir =
        std::env::var_os("INFIN8_SCREENSHOT_DIR").map_or_else(|| dir.path().to_path_buf(), PathBuf::from);
    let shot = shot_dir.join("report.png");
    let (_, _) = headless(
        &chromium,
        report,
        &["--window-size=1280,2400".into(), format!("--screenshot={}", shot.display())],
    );
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 20_000, "a screenshot of a rendered page ({size} bytes)");
}
