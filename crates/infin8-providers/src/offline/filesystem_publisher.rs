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
use tokio::sync::Mutex;

/// The platform name, the key of publish references.
pub const FILESYSTEM_PLATFORM: &str = "filesystem";

/// The index file mapping idempotency keys to post files.
pub const INDEX_FILE: &str = "index.json";

/// One post in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct IndexEntry {
    file: String,
    status: String,
}

/// An offline [`Publisher`]: writes each post to `{dir}/{slug}-{hash of key}.html` (a complete
/// HTML page with title, meta description and the provenance in a
/// `<script type="application/json" id="infin8-provenance">` block) and records it in
/// `{dir}/index.json`, a key → file map replaced atomically (temporary file + rename).
///
/// Idempotent by key: [`find_post`](Publisher::find_post) reads the map, and
/// [`create_post`](Publisher::create_post) with a key already present returns the existing post
/// without writing. `remote_id` is the file name, `url` the file's `file://` URL. Calls within one
/// process are serialized; two processes sharing a folder are not coordinated.
#[derive(Debug, Clone)]
pub struct FilesystemPublisher {
    dir: PathBuf,
    lock: Arc<Mutex<()>>,
}

impl FilesystemPublisher {
    /// A publisher writing into `dir` (created on first write).
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into(), lock: Arc::new(Mutex::new(())) }
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

fn read_index(dir: &Path) -> Result<BTreeMap<String, IndexEntry>, ProviderError> {
    let path = dir.join(INDEX_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            ProviderError::decode(FILESYSTEM_PLATFORM, format!("{}: {e}", path.display()), &text)
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(io_error("cannot read", &path, &e)),
    }
}

/// Writes `contents` to `path` atomically: a temporary file in the same folder, then a rename.
fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), ProviderError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, contents).map_err(|e| io_error("cannot write", &tmp, &e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_error("cannot rename into", path, &e))
}

fn write_index(dir: &Path, index: &BTreeMap<String, IndexEntry>) -> Result<(), ProviderError> {
    let json = serde_json::to_vec_pretty(index)
        .map_err(|e| ProviderError::invalid_request(FILESYSTEM_PLATFORM, format!("index: {e}")))?;
    write_atomic(&dir.join(INDEX_FILE), &json)
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
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
         <meta name=\"description\" content=\"{description}\">\n<meta name=\"keywords\" content=\"{keywords}\">\n\
         <meta name=\"infin8-idempotency-key\" content=\"{key}\">\n\
         <script type=\"application/json\" id=\"infin8-provenance\">{provenance}</script>\n</head>\n<body>\n<article>\n\
         <h1>{h1}</h1>\n{content}\n</article>\n</body>\n</html>\n",
        title = escape_html(meta_title),
        description = escape_html(description),
        keywords = escape_html(&keywords),
        key = escape_html(&draft.idempotency_key),
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
        self.blocking(move |dir| Ok(read_index(dir)?.get(&key).map(|e| published(dir, e)))).await
    }

    async fn create_post(&self, draft: &PostDraft) -> Result<Metered<PublishedPost>, ProviderError> {
        if draft.idempotency_key.trim().is_empty() {
            return Err(ProviderError::invalid_request(FILESYSTEM_PLATFORM, "empty idempotency key"));
        }
        let draft = draft.clone();
        self.blocking(move |dir| {
            let mut index = read_index(dir)?;
            if let Some(existing) = index.get(&draft.idempotency_key) {
                return Ok(Metered::free(published(dir, existing)));
            }
            std::fs::create_dir_all(dir).map_err(|e| io_error("cannot create", dir, &e))?;
            let entry = IndexEntry { file: file_name(&draft), status: status_name(draft.status).to_string() };
            write_atomic(&dir.join(&entry.file), render_page(&draft).as_bytes())?;
            index.insert(draft.idempotency_key.clone(), entry.clone());
            write_index(dir, &index)?;
            Ok(Metered::new(published(dir, &entry), one_write()))
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
        self.blocking(move |dir| {
            let mut index = read_index(dir)?;
            let Some(key) = index.iter().find(|(_, e)| e.file == remote_id).map(|(k, _)| k.clone()) else {
                return Err(ProviderError::NotFound {
                    provider: FILESYSTEM_PLATFORM.to_string(),
                    message: format!("no post {remote_id}"),
                });
            };
            let entry = IndexEntry { file: remote_id, status: status_name(draft.status).to_string() };
            write_atomic(&dir.join(&entry.file), render_page(&draft).as_bytes())?;
            index.insert(key, entry.clone());
            write_index(dir, &index)?;
            Ok(Metered::new(published(dir, &entry), one_write()))
        })
        .await
    }
}
