//! A publisher that writes each post as an HTML file, idempotent by key.

use super::determinism::hash_str;
use super::text::{escape_html, slugify};
use async_trait::async_trait;
use infin8_core::provider::{
    Metered, PostDraft, PostStatus, ProviderError, ProviderUsage, PublishedPost, Publisher,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Mutex;

/// The platform name, the key of publish references.
pub const FILESYSTEM_PLATFORM: &str = "filesystem";

/// The index file mapping idempotency keys to post files.
pub const INDEX_FILE: &str = "index.json";

/// The folder (inside the publish folder) holding one claim file per idempotency key.
pub const CLAIMS_DIR: &str = ".claims";

/// One post in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct IndexEntry {
    file: String,
    status: String,
}

/// The claim of an idempotency key: created once, atomically, by the publisher that creates the
/// post; every other publisher (in this process or another) finds it and returns the same post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Claim {
    key: String,
    #[serde(flatten)]
    entry: IndexEntry,
}

/// An offline [`Publisher`]: writes each post to `{dir}/{slug}-{hash of key}.html` (a complete
/// HTML page with title, meta description and the provenance in a
/// `<script type="application/json" id="infin8-provenance">` block) and records it in
/// `{dir}/index.json`, a key → file map replaced atomically (temporary file + rename).
///
/// Idempotent by key, across processes: creating a post first *claims* its key by creating
/// `{dir}/.claims/{hash of key}.json` atomically (a fully written temporary file hard-linked
/// into place, which fails if the claim exists), and only the winner of the claim chooses the
/// post's file. A publisher that loses the race, or retries after a crash, finds the claim and
/// returns the same post, writing its file if the crashed winner never did.
/// [`find_post`](Publisher::find_post) reads the claim (or, for folders written before claims
/// existed, the index) and reports a post only once its file exists. `index.json` is a listing
/// rebuilt from itself and the claims on every write: when two processes write it at once, the
/// last one's listing may miss the other's newest post until the next write, but idempotency
/// never depends on it. `remote_id` is the file name, `url` the file's `file://` URL. Calls within one process are also serialized. The folder must be on
/// a filesystem with hard links (any local Unix or NTFS one).
///
/// Temporary files a crashed writer left behind (in the folder and in `.claims/`) are removed
/// by the next write once they are [`STALE_TEMP_AFTER`] old (a live writer renames or links
/// its temporary file within milliseconds), checked at most once a minute.
#[derive(Debug, Clone)]
pub struct FilesystemPublisher {
    dir: PathBuf,
    lock: Arc<Mutex<()>>,
    swept: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

/// How old a temporary file must be before a publisher removes it as a crashed writer's.
pub const STALE_TEMP_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// How often a publisher looks for stale temporary files (at most).
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

impl FilesystemPublisher {
    /// A publisher writing into `dir` (created on first write).
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into(), lock: Arc::new(Mutex::new(())), swept: Arc::new(std::sync::Mutex::new(None)) }
    }

    /// Whether this write should look for stale temporary files (the first write, then at most
    /// once per [`SWEEP_EVERY`]).
    fn sweep_due(&self) -> bool {
        let mut last = self.swept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = std::time::Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < SWEEP_EVERY) {
            return false;
        }
        *last = Some(now);
        true
    }

    /// The folder posts are written to.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Path) -> Result<T, ProviderError> + Send + 'static,
    ) -> Result<T, ProviderError> {
        let _guard = self.lock.lock().await;
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || f(&dir))
            .await
            .map_err(|e| ProviderError::unavailable(FILESYSTEM_PLATFORM, format!("worker failed: {e}")))?
    }
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> ProviderError {
    ProviderError::unavailable(FILESYSTEM_PLATFORM, format!("{what} {}: {e}", path.display()))
}

/// The index's entries. A damaged index (not JSON, or not a key → post map) reads as empty: it is
/// only a listing, rebuilt from the claims on the next write ([`refresh_index`]), never the
/// source of truth.
fn read_index(dir: &Path) -> Result<BTreeMap<String, IndexEntry>, ProviderError> {
    let path = dir.join(INDEX_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(serde_json::from_str(&text).unwrap_or_default()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(io_error("cannot read", &path, &e)),
    }
}

/// Whether the index file exists but cannot be read as a listing.
fn index_damaged(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(INDEX_FILE))
        .is_ok_and(|text| serde_json::from_str::<BTreeMap<String, IndexEntry>>(&text).is_err())
}

/// A temporary file next to `path`, unique among every publisher of every process.
fn temp_path(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Removes the temporary files ([`temp_path`]'s `.….tmp`) of `dir` and `dir/.claims` older than
/// `stale_after`: leftovers of a writer that crashed between writing and renaming (or linking).
/// Younger ones may be a live writer's and are kept. Returns how many were removed; files that
/// cannot be read or removed are skipped (the sweep is housekeeping, never a failure).
pub fn remove_stale_temp_files(dir: &Path, stale_after: std::time::Duration) -> usize {
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    for folder in [dir.to_path_buf(), dir.join(CLAIMS_DIR)] {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with('.') && name.ends_with(".tmp")) {
                continue;
            }
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|at| now.duration_since(at).is_ok_and(|age| age >= stale_after));
            if stale
                && entry.file_type().is_ok_and(|t| t.is_file())
                && std::fs::remove_file(entry.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

/// Writes `contents` to `path` atomically: a temporary file in the same folder, then a rename.
fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), ProviderError> {
    let tmp = temp_path(path);
    std::fs::write(&tmp, contents).map_err(|e| io_error("cannot write", &tmp, &e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_error("cannot rename into", path, &e)
    })
}

/// Writes `contents` to `path` only if `path` does not exist, atomically: readers see no file
/// or the whole file. Returns whether this call created it.
fn create_atomic(path: &Path, contents: &[u8]) -> Result<bool, ProviderError> {
    let tmp = temp_path(path);
    std::fs::write(&tmp, contents).map_err(|e| io_error("cannot write", &tmp, &e))?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io_error("cannot create", path, &e)),
    }
}

fn claim_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(CLAIMS_DIR).join(format!("{:016x}.json", hash_str(key)))
}

fn claim_json(key: &str, entry: &IndexEntry) -> Result<Vec<u8>, ProviderError> {
    serde_json::to_vec_pretty(&Claim { key: key.to_string(), entry: entry.clone() })
        .map_err(|e| ProviderError::invalid_request(FILESYSTEM_PLATFORM, format!("claim: {e}")))
}

/// The claim of `key`, if any.
///
/// # Errors
/// An unreadable or undecodable claim, or one of another key with the same hash.
fn read_claim(dir: &Path, key: &str) -> Result<Option<IndexEntry>, ProviderError> {
    let path = claim_path(dir, key);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error("cannot read", &path, &e)),
    };
    let claim: Claim = serde_json::from_str(&text)
        .map_err(|e| ProviderError::decode(FILESYSTEM_PLATFORM, format!("{}: {e}", path.display()), &text))?;
    if claim.key != key {
        return Err(ProviderError::invalid_request(
            FILESYSTEM_PLATFORM,
            format!("idempotency key hash collides with the post of another key ({})", path.display()),
        ));
    }
    Ok(Some(claim.entry))
}

/// Every claim of the folder, by key (claims that cannot be read are skipped: the index is a
/// listing, not the source of truth).
fn read_claims(dir: &Path) -> BTreeMap<String, IndexEntry> {
    let Ok(entries) = std::fs::read_dir(dir.join(CLAIMS_DIR)) else { return BTreeMap::new() };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|text| serde_json::from_str::<Claim>(&text).ok())
        .map(|c| (c.key, c.entry))
        .collect()
}

/// Every post: the index's entries (including those written before claims existed) updated by
/// the claims.
fn all_posts(dir: &Path) -> Result<BTreeMap<String, IndexEntry>, ProviderError> {
    let mut posts = read_index(dir)?;
    posts.extend(read_claims(dir));
    Ok(posts)
}

/// Rewrites the index from the current index and every claim.
fn refresh_index(dir: &Path) -> Result<(), ProviderError> {
    let json = serde_json::to_vec_pretty(&all_posts(dir)?)
        .map_err(|e| ProviderError::invalid_request(FILESYSTEM_PLATFORM, format!("index: {e}")))?;
    write_atomic(&dir.join(INDEX_FILE), &json)
}

/// The post of `key` whose file exists, if any: from its claim, else from the index.
fn existing_post(dir: &Path, key: &str) -> Result<Option<IndexEntry>, ProviderError> {
    let entry = match read_claim(dir, key)? {
        Some(entry) => Some(entry),
        None => read_index(dir)?.get(key).cloned(),
    };
    Ok(entry.filter(|e| dir.join(&e.file).is_file()))
}

fn status_name(status: PostStatus) -> &'static str {
    match status {
        PostStatus::Draft => "draft",
        PostStatus::Publish => "publish",
        PostStatus::Future(_) => "future",
    }
}

fn published(dir: &Path, entry: &IndexEntry) -> PublishedPost {
    let path = dir.join(&entry.file);
    let absolute = std::path::absolute(&path).unwrap_or(path);
    let url = url::Url::from_file_path(&absolute)
        .map(String::from)
        .unwrap_or_else(|()| format!("file://{}", absolute.display()));
    PublishedPost { remote_id: entry.file.clone(), url, status: entry.status.clone() }
}

/// The file name of a post: its slug and a short hash of its key (so two articles with one slug
/// never share a file).
fn file_name(draft: &PostDraft) -> String {
    let slug = slugify(&draft.slug);
    let slug = if slug.is_empty() { "post".to_string() } else { slug };
    let slug: String = slug.chars().take(80).collect();
    format!("{slug}-{:08x}.html", hash_str(&draft.idempotency_key) as u32)
}

/// Page style: a readable article column (the filesystem pages are meant to be opened).
const PAGE_STYLE: &str = "body{font:18px/1.65 Georgia,'Times New Roman',serif;color:#222;margin:0;background:#fafafa}\
article{max-width:720px;margin:2.5rem auto;padding:0 1.25rem 3rem;background:#fff}\
h1{font:700 2.2rem/1.2 system-ui,sans-serif;margin:1.5rem 0 1rem}h2,h3{font-family:system-ui,sans-serif;line-height:1.3}\
h2{margin-top:2.2rem}sup.cite a{text-decoration:none;font-size:.75em}nav.toc{background:#f3f5f8;padding:.6rem 1.2rem;border-radius:6px}\
ol.references{font-size:.9rem;color:#444}aside.related{border-top:1px solid #ddd;margin-top:2rem}\
p.meta{font:14px system-ui,sans-serif;color:#666}";

/// The canonical URL and JSON-LD carried in a draft's provenance (`provenance.seo`), if any.
fn seo_head(draft: &PostDraft) -> String {
    let seo = &draft.provenance["seo"];
    let mut head = String::new();
    if let Some(url) = seo["canonical_url"].as_str()
        && url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        head.push_str(&format!("<link rel=\"canonical\" href=\"{}\">\n", escape_html(url)));
    }
    if seo["json_ld"].is_object() {
        // `</` inside a script block would end it early: escape it the JSON way.
        let json = seo["json_ld"].to_string().replace("</", "<\\/");
        head.push_str(&format!("<script type=\"application/ld+json\">{json}</script>\n"));
    }
    head
}

/// The complete HTML page of a post.
pub(crate) fn render_page(draft: &PostDraft) -> String {
    let meta_title = draft.meta_title.as_deref().unwrap_or(&draft.title);
    let description = draft.meta_description.as_deref().unwrap_or(&draft.excerpt);
    let provenance = serde_json::json!({
        "idempotency_key": draft.idempotency_key,
        "status": status_name(draft.status),
        "scheduled_at": match draft.status { PostStatus::Future(at) => Some(at), _ => None },
        "categories": draft.categories,
        "tags": draft.tags,
        "provenance": draft.provenance,
    });
    // `</` inside a script block would end it early: escape it the JSON way.
    let provenance = provenance.to_string().replace("</", "<\\/");
    let keywords = draft.tags.iter().chain(&draft.categories).cloned().collect::<Vec<_>>().join(", ");
    let byline = draft.provenance["keyword"]
        .as_str()
        .map(|k| format!("<p class=\"meta\">Focus keyword: {}</p>\n", escape_html(k)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <meta name=\"description\" content=\"{description}\">\n<meta name=\"keywords\" content=\"{keywords}\">\n\
         <meta name=\"infin8-idempotency-key\" content=\"{key}\">\n{seo}<style>{PAGE_STYLE}</style>\n\
         <script type=\"application/json\" id=\"infin8-provenance\">{provenance}</script>\n</head>\n<body>\n<article>\n\
         <h1>{h1}</h1>\n{byline}{content}\n</article>\n</body>\n</html>\n",
        title = escape_html(meta_title),
        description = escape_html(description),
        keywords = escape_html(&keywords),
        key = escape_html(&draft.idempotency_key),
        seo = seo_head(draft),
        h1 = escape_html(&draft.title),
        content = draft.content_html,
    )
}

fn one_write() -> ProviderUsage {
    ProviderUsage { items: 1, ..ProviderUsage::default() }
}

#[async_trait]
impl Publisher for FilesystemPublisher {
    fn platform(&self) -> &str {
        FILESYSTEM_PLATFORM
    }

    async fn find_post(&self, idempotency_key: &str) -> Result<Option<PublishedPost>, ProviderError> {
        let key = idempotency_key.to_string();
        self.blocking(move |dir| Ok(existing_post(dir, &key)?.map(|e| published(dir, &e)))).await
    }

    async fn create_post(&self, draft: &PostDraft) -> Result<Metered<PublishedPost>, ProviderError> {
        if draft.idempotency_key.trim().is_empty() {
            return Err(ProviderError::invalid_request(FILESYSTEM_PLATFORM, "empty idempotency key"));
        }
        let draft = draft.clone();
        let sweep = self.sweep_due();
        self.blocking(move |dir| {
            if sweep {
                remove_stale_temp_files(dir, STALE_TEMP_AFTER);
            }
            let key = draft.idempotency_key.as_str();
            let (entry, won) = match read_claim(dir, key)? {
                Some(claimed) => (claimed, false),
                None => {
                    // Posts of folders written before claims existed are listed by the index only.
                    if let Some(listed) = read_index(dir)?.get(key) {
                        return Ok(Metered::free(published(dir, listed)));
                    }
                    let claims = dir.join(CLAIMS_DIR);
                    std::fs::create_dir_all(&claims).map_err(|e| io_error("cannot create", &claims, &e))?;
                    let mine =
                        IndexEntry { file: file_name(&draft), status: status_name(draft.status).to_string() };
                    if create_atomic(&claim_path(dir, key), &claim_json(key, &mine)?)? {
                        (mine, true)
                    } else {
                        let theirs = read_claim(dir, key)?.ok_or_else(|| {
                            ProviderError::unavailable(
                                FILESYSTEM_PLATFORM,
                                format!("the claim of {key} vanished"),
                            )
                        })?;
                        (theirs, false)
                    }
                }
            };
            // The winner writes the file; a loser finding none (the winner crashed, or is not
            // there yet) writes the same page under the same name.
            let path = dir.join(&entry.file);
            let wrote = won || !path.is_file();
            if wrote {
                write_atomic(&path, render_page(&draft).as_bytes())?;
            }
            if wrote || index_damaged(dir) || !read_index(dir)?.contains_key(key) {
                refresh_index(dir)?;
            }
            let post = published(dir, &entry);
            Ok(if wrote { Metered::new(post, one_write()) } else { Metered::free(post) })
        })
        .await
    }

    async fn update_post(
        &self,
        remote_id: &str,
        draft: &PostDraft,
    ) -> Result<Metered<PublishedPost>, ProviderError> {
        let remote_id = remote_id.to_string();
        let draft = draft.clone();
        let sweep = self.sweep_due();
        self.blocking(move |dir| {
            if sweep {
                remove_stale_temp_files(dir, STALE_TEMP_AFTER);
            }
            let posts = all_posts(dir)?;
            let Some(key) = posts.iter().find(|(_, e)| e.file == remote_id).map(|(k, _)| k.clone()) else {
                return Err(ProviderError::NotFound {
                    provider: FILESYSTEM_PLATFORM.to_string(),
                    message: format!("no post {remote_id}"),
                });
            };
            let entry = IndexEntry { file: remote_id, status: status_name(draft.status).to_string() };
            write_atomic(&dir.join(&entry.file), render_page(&draft).as_bytes())?;
            let claims = dir.join(CLAIMS_DIR);
            std::fs::create_dir_all(&claims).map_err(|e| io_error("cannot create", &claims, &e))?;
            write_atomic(&claim_path(dir, &key), &claim_json(&key, &entry)?)?;
            refresh_index(dir)?;
            Ok(Metered::new(published(dir, &entry), one_write()))
        })
        .await
    }
}
