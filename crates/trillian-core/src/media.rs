//! Media of group chats and users (active profile): the gallery list, thumbnails fetched with
//! `?thumbnail=1` and decoded locally (cached on disk per profile), uploads of several files as a
//! job (local thumbnail and dimensions for images, streamed bodies, per-file byte progress,
//! cancel), downloads streamed to a file and checked against the item's SHA-256, delete and bulk
//! delete.
//!
//! The CPU work (decoding, resizing, encoding) runs in `spawn_blocking`, never on the async
//! threads; see [`thumbnail`] for how decoding is bounded.

pub mod thumbnail;

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWrite;

use crate::error::{Error, Result};
use crate::job::{Cancel, Job, JobReport, Outcome, Progress};
use crate::model::{MediaItem, MediaUpload};
use crate::{Core, JournalOutcome, Profile, api};
use thumbnail::{ImageLimits, ThumbnailError};

/// Files uploaded at once in an upload job.
pub const UPLOAD_CONCURRENCY: usize = 3;

/// Items deleted at once in a bulk delete.
pub const DELETE_CONCURRENCY: usize = 4;

/// Whose media: a group chat (by name, `#…@domain`) or a user (by IM address).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "camelCase")]
pub enum MediaOwner {
    /// A group chat's media.
    GroupChat(String),
    /// A user's media.
    User(String),
}

impl MediaOwner {
    fn name(&self) -> &str {
        match self {
            MediaOwner::GroupChat(n) | MediaOwner::User(n) => n,
        }
    }

    fn api<'c>(&'c self, client: &'c api::Client) -> api::MediaApi<'c> {
        match self {
            MediaOwner::GroupChat(name) => client.groupchats().media(name),
            MediaOwner::User(im) => client.users().media(im),
        }
    }

    fn target(&self, what: &str) -> String {
        format!("{} {what}", self.name())
    }
}

/// What kind of file an item is, from its MIME type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MediaKind {
    /// `image/*`.
    Image,
    /// `video/*`.
    Video,
    /// `audio/*`.
    Audio,
    /// Text, PDF, office documents.
    Document,
    /// Anything else.
    Other,
}

impl MediaKind {
    /// The kind of a MIME type.
    pub fn of(content_type: &str) -> MediaKind {
        let t = content_type.trim().to_ascii_lowercase();
        if t.starts_with("image/") {
            MediaKind::Image
        } else if t.starts_with("video/") {
            MediaKind::Video
        } else if t.starts_with("audio/") {
            MediaKind::Audio
        } else if t.starts_with("text/")
            || t == "application/pdf"
            || t.contains("document")
            || t.contains("msword")
            || t.contains("spreadsheet")
            || t.contains("presentation")
        {
            MediaKind::Document
        } else {
            MediaKind::Other
        }
    }
}

/// One item of a gallery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaEntry {
    /// The item id (`m`): Base64 SHA-256 of the data.
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub kind: MediaKind,
    pub size: u64,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds, 0 for never.
    pub expires_at: u64,
    /// Base64 SHA-256 of the server's thumbnail; empty when the item has none.
    pub thumbnail: String,
}

impl From<MediaItem> for MediaEntry {
    fn from(m: MediaItem) -> Self {
        MediaEntry {
            kind: MediaKind::of(&m.content_type),
            id: m.id,
            name: m.name,
            content_type: m.content_type,
            size: m.size,
            created_at: m.created_at,
            expires_at: m.expires_at,
            thumbnail: m.thumbnail,
        }
    }
}

/// How a gallery is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MediaSort {
    /// Newest first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
    /// Largest first.
    Largest,
    /// Smallest first.
    Smallest,
    /// By name, A to Z.
    Name,
    /// By MIME type, then name.
    Type,
}

/// A gallery's filter and order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaView {
    /// Only this kind.
    pub kind: Option<MediaKind>,
    /// Only items of at least this many bytes.
    pub min_size: Option<u64>,
    /// Only items of at most this many bytes.
    pub max_size: Option<u64>,
    /// Only items created at or after (unix seconds).
    pub created_from: Option<u64>,
    /// Only items created before (unix seconds).
    pub created_before: Option<u64>,
    /// Name contains (case-insensitive).
    pub search: Option<String>,
    pub sort: MediaSort,
}

impl MediaView {
    /// The entries this view shows, in its order (ties by name, then id: a stable order).
    pub fn apply(&self, entries: &[MediaEntry]) -> Vec<MediaEntry> {
        let needle = self.search.as_deref().map(str::to_lowercase);
        let mut out: Vec<MediaEntry> = entries
            .iter()
            .filter(|e| self.kind.is_none_or(|k| e.kind == k))
            .filter(|e| self.min_size.is_none_or(|m| e.size >= m))
            .filter(|e| self.max_size.is_none_or(|m| e.size <= m))
            .filter(|e| self.created_from.is_none_or(|t| e.created_at >= t))
            .filter(|e| self.created_before.is_none_or(|t| e.created_at < t))
            .filter(|e| {
                needle
                    .as_deref()
                    .is_none_or(|n| e.name.to_lowercase().contains(n))
            })
            .cloned()
            .collect();
        let tie = |a: &MediaEntry, b: &MediaEntry| a.name.cmp(&b.name).then(a.id.cmp(&b.id));
        out.sort_by(|a, b| match self.sort {
            MediaSort::Newest => b.created_at.cmp(&a.created_at).then(tie(a, b)),
            MediaSort::Oldest => a.created_at.cmp(&b.created_at).then(tie(a, b)),
            MediaSort::Largest => b.size.cmp(&a.size).then(tie(a, b)),
            MediaSort::Smallest => a.size.cmp(&b.size).then(tie(a, b)),
            MediaSort::Name => a
                .name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(tie(a, b)),
            MediaSort::Type => a.content_type.cmp(&b.content_type).then(tie(a, b)),
        });
        out
    }
}

/// A thumbnail ready for display: decoded and re-encoded locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// `image/jpeg` or `image/png`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Preview {
    /// `data:<type>;base64,…` for an `<img src>` (the app's CSP allows `data:` images).
    pub fn data_url(&self) -> String {
        format!(
            "data:{};base64,{}",
            self.content_type,
            STANDARD.encode(&self.bytes)
        )
    }
}

/// A file to upload, read in Rust from a path the Rust side chose (dialog or drop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadFile {
    pub path: PathBuf,
}

/// Something that happened during an upload job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum UploadEvent {
    /// Bytes of one file read into the request body so far.
    #[serde(rename_all = "camelCase")]
    Bytes {
        /// The file's position in the job.
        index: usize,
        sent: u64,
        total: u64,
    },
    /// One file finished (done, failed or cancelled), with the job's count so far.
    Item(Progress),
}

/// Where upload events go (called from the body stream: any thread).
pub type UploadSink = Arc<dyn Fn(UploadEvent) + Send + Sync>;

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Download {
    pub path: PathBuf,
    pub bytes: u64,
    /// Base64 SHA-256 of what was written.
    pub sha256: String,
    /// Whether that digest equals the item id (the server's SHA-256 of the data).
    pub verified: bool,
}

impl Core {
    /// The media of `owner`, as the server lists them.
    pub async fn media_list(&self, owner: &MediaOwner) -> Result<Vec<MediaEntry>> {
        let client = self.active_client().await?;
        let items = owner.api(&client).list().await?;
        Ok(items.into_iter().map(MediaEntry::from).collect())
    }

    /// The thumbnail of an item for display, or `None` when it has none. Read from the disk
    /// cache of the active profile (keyed by the thumbnail's SHA-256), else fetched with
    /// `?thumbnail=1`, decoded under limits, re-encoded locally and cached.
    pub async fn media_thumbnail(
        &self,
        owner: &MediaOwner,
        item: &str,
        thumbnail_digest: &str,
    ) -> Result<Option<Preview>> {
        if thumbnail_digest.is_empty() {
            return Ok(None);
        }
        let profile = self.require_active()?;
        let path = self.thumbnail_path(&profile, thumbnail_digest);
        if let Ok(bytes) = tokio::fs::read(&path).await
            && let Some(content_type) = preview_type(&bytes)
        {
            return Ok(Some(Preview {
                content_type: content_type.into(),
                bytes,
            }));
        }
        let client = self.client_for(&profile).await?;
        let fetched = owner.api(&client).thumbnail(item).await?;
        if fetched.bytes.len() > thumbnail::MAX_THUMBNAIL_BYTES {
            return Err(Error::invalid(
                "thumbnail",
                "the server's thumbnail is larger than 65,535 bytes",
            ));
        }
        let matches = STANDARD.encode(Sha256::digest(&fetched.bytes)) == thumbnail_digest;
        let made = blocking(move || thumbnail::thumbnail(&fetched.bytes, &ImageLimits::default()))
            .await?
            .map_err(|e| Error::invalid("thumbnail", e.to_string()))?;
        let preview = Preview {
            content_type: made.content_type.into(),
            bytes: made.bytes,
        };
        if matches {
            self.cache_preview(&path, &preview.bytes).await;
        }
        Ok(Some(preview))
    }

    /// Uploads `files` to `owner` as a job (at most [`UPLOAD_CONCURRENCY`] at once). Images get
    /// a thumbnail and dimensions made locally; other files go without. Each body is streamed
    /// from the file (memory stays flat in the file's size). `cancel` stops new files and aborts
    /// the ones in flight. Uploading the same bytes again gives the same item (its id is their
    /// SHA-256), so re-running after an interruption duplicates nothing.
    pub async fn media_upload(
        &self,
        owner: &MediaOwner,
        files: Vec<UploadFile>,
        cancel: Cancel,
        sink: UploadSink,
    ) -> Result<JobReport> {
        let profile = self.require_active()?;
        let client = self.client_for(&profile).await?;
        let indexed: Vec<(usize, UploadFile)> = files.into_iter().enumerate().collect();
        let job = Job::new(UPLOAD_CONCURRENCY).with_cancel(cancel.clone());
        let report = job
            .run(
                indexed,
                |(_, f)| file_name(&f.path),
                |(index, file)| {
                    let client = client.clone();
                    let cancel = cancel.clone();
                    let sink = sink.clone();
                    let profile = profile.clone();
                    async move {
                        let name = file_name(&file.path);
                        let work = self.upload_one(&profile, &client, owner, index, &file, sink);
                        let result = tokio::select! {
                            r = work => r,
                            () = cancel.cancelled() => Err(Error::Cancelled),
                        };
                        self.inner.journal.record(
                            Some(&profile.id),
                            "media.upload",
                            &owner.target(&name),
                            JournalOutcome::of(&result),
                        );
                        result
                    }
                },
                |p| sink(UploadEvent::Item(p)),
            )
            .await;
        // Files aborted in flight count as a cancelled job too.
        let mut report = report;
        report.cancelled |= cancel.is_cancelled();
        Ok(report)
    }

    async fn upload_one(
        &self,
        profile: &Profile,
        client: &api::Client,
        owner: &MediaOwner,
        index: usize,
        file: &UploadFile,
        sink: UploadSink,
    ) -> Result<Outcome> {
        let path = file.path.clone();
        let name = file_name(&path);
        let opened = tokio::fs::File::open(&path)
            .await
            .map_err(|e| Error::io(format!("opening {name}"), e))?;
        let meta = opened
            .metadata()
            .await
            .map_err(|e| Error::io(format!("reading {name}"), e))?;
        if !meta.is_file() {
            return Err(Error::invalid("file", format!("{name} is not a file")));
        }
        let head = read_head(&path).await?;
        let format = thumbnail::sniff(&head);
        let content_type = match format {
            Some(f) => f.mime().to_owned(),
            None => mime_from_name(&name).to_owned(),
        };
        let mut upload = MediaUpload::new(name.clone(), content_type, opened);
        let mut detail = "no thumbnail (not an image)".to_owned();
        let mut local_thumb = None;
        if format.is_some() {
            let p = path.clone();
            match blocking(move || thumbnail::thumbnail_file(&p, &ImageLimits::default())).await? {
                Ok(t) => {
                    detail = format!(
                        "{}×{}, thumbnail {} bytes",
                        t.source.width,
                        t.source.height,
                        t.bytes.len()
                    );
                    upload = upload
                        .with_dimensions(t.source.width, t.source.height)
                        .with_thumbnail(t.bytes.clone());
                    local_thumb = Some(t.bytes);
                }
                Err(ThumbnailError::FileTooLarge { .. }) => {
                    detail = "no thumbnail (image too large to decode)".into();
                }
                Err(e) => detail = format!("no thumbnail: {e}"),
            }
        }
        let total = meta.len();
        let progress: api::ProgressFn = Arc::new(move |sent, _| {
            sink(UploadEvent::Bytes { index, sent, total });
        });
        owner.api(client).upload(upload, Some(progress)).await?;
        if let Some(bytes) = local_thumb {
            // The server's `<thumbnail>` is the SHA-256 of these bytes: cache them under it.
            let digest = STANDARD.encode(Sha256::digest(&bytes));
            self.cache_preview(&self.thumbnail_path(profile, &digest), &bytes)
                .await;
        }
        Ok(Outcome::done_with(detail))
    }

    /// Streams an item into `dest` (through a temporary file beside it, renamed at the end),
    /// reporting `(bytes, total)`; checks the SHA-256 of what was written against the item id.
    /// A mismatch removes the file and fails.
    pub async fn media_download(
        &self,
        owner: &MediaOwner,
        item: &str,
        dest: &Path,
        progress: Option<api::ProgressFn>,
        cancel: Cancel,
    ) -> Result<Download> {
        let client = self.active_client().await?;
        let partial = partial_path(dest);
        let file = tokio::fs::File::create(&partial)
            .await
            .map_err(|e| Error::io(format!("creating {}", partial.display()), e))?;
        let mut out = HashingWriter {
            inner: tokio::io::BufWriter::with_capacity(256 * 1024, file),
            hasher: Sha256::new(),
            bytes: 0,
        };
        let api = owner.api(&client);
        let result = tokio::select! {
            r = api.download(item, &mut out, progress) => r.map_err(Error::from),
            () = cancel.cancelled() => Err(Error::Cancelled),
        };
        if let Err(e) = result {
            drop(out);
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(e);
        }
        let sha256 = STANDARD.encode(out.hasher.finalize_reset());
        let bytes = out.bytes;
        drop(out);
        let verified = sha256 == item;
        if !verified && looks_like_sha256(item) {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(Error::invalid(
                "download",
                "the bytes received do not match the item's SHA-256; nothing was saved",
            ));
        }
        tokio::fs::rename(&partial, dest)
            .await
            .map_err(|e| Error::io(format!("saving {}", dest.display()), e))?;
        Ok(Download {
            path: dest.to_path_buf(),
            bytes,
            sha256,
            verified,
        })
    }

    /// Deletes one item.
    pub async fn media_delete(&self, owner: &MediaOwner, item: &str) -> Result<()> {
        let profile = self.require_active()?;
        let result = async {
            let client = self.client_for(&profile).await?;
            owner.api(&client).delete(item).await.map_err(Error::from)
        }
        .await;
        self.inner.journal.record(
            Some(&profile.id),
            "media.delete",
            &owner.target(item),
            JournalOutcome::of(&result),
        );
        result
    }

    /// Deletes `items` as a job; an item already gone is reported as skipped (safe re-run).
    pub async fn media_delete_many(
        &self,
        owner: &MediaOwner,
        items: Vec<String>,
        cancel: Cancel,
        on_progress: impl FnMut(Progress),
    ) -> Result<JobReport> {
        let profile = self.require_active()?;
        let client = self.client_for(&profile).await?;
        let job = Job::new(DELETE_CONCURRENCY).with_cancel(cancel);
        let report = job
            .run(
                items,
                Clone::clone,
                |item| {
                    let client = client.clone();
                    let profile = profile.clone();
                    async move {
                        let result = owner.api(&client).delete(&item).await;
                        let outcome = match result {
                            Ok(()) => Ok(Outcome::done()),
                            Err(api::Error::NotFound { .. }) => {
                                Ok(Outcome::skipped("already deleted"))
                            }
                            Err(e) => Err(Error::from(e)),
                        };
                        self.inner.journal.record(
                            Some(&profile.id),
                            "media.delete",
                            &owner.target(&item),
                            JournalOutcome::of(&outcome),
                        );
                        outcome
                    }
                },
                on_progress,
            )
            .await;
        Ok(report)
    }

    /// `data_dir/thumbnails/<profile>/<hex digest>`.
    fn thumbnail_path(&self, profile: &Profile, digest: &str) -> PathBuf {
        let key: String = match STANDARD.decode(digest) {
            Ok(raw) if raw.len() == 32 => hex(&raw),
            _ => hex(&Sha256::digest(digest.as_bytes())),
        };
        self.inner
            .paths
            .data_dir
            .join("thumbnails")
            .join(sanitize(&profile.id))
            .join(key)
    }

    /// Writes a preview to the cache; a failure only costs a refetch later, so it is logged.
    async fn cache_preview(&self, path: &Path, bytes: &[u8]) {
        let write = async {
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let tmp = partial_path(path);
            tokio::fs::write(&tmp, bytes).await?;
            tokio::fs::rename(&tmp, path).await
        };
        if let Err(e) = write.await {
            tracing::warn!("thumbnail cache: {e}");
        }
    }
}

/// Runs CPU work off the async threads.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("image work stopped: {e}")))
}

/// Only bytes this crate encoded are served from the cache.
fn preview_type(bytes: &[u8]) -> Option<&'static str> {
    match thumbnail::sniff(bytes)? {
        thumbnail::Format::Jpeg => Some("image/jpeg"),
        thumbnail::Format::Png => Some("image/png"),
        _ => None,
    }
}

async fn read_head(path: &Path) -> Result<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let mut head = vec![0u8; 64];
    let mut filled = 0;
    while filled < head.len() {
        let n = file
            .read(&mut head[filled..])
            .await
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    head.truncate(filled);
    Ok(head)
}

/// The last component of a path, or `file`.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "file".into())
}

/// A MIME type from a file name's extension (for files that are not images we decode).
pub fn mime_from_name(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "heic" => "image/heic",
        _ => "application/octet-stream",
    }
}

fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".partial");
    dest.with_file_name(name)
}

fn looks_like_sha256(id: &str) -> bool {
    STANDARD.decode(id).is_ok_and(|raw| raw.len() == 32)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A profile id as a single safe path component.
fn sanitize(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Hashes and counts what passes through to `inner`.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: AsyncWrite + Unpin> AsyncWrite for HashingWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                this.hasher.update(buf.get(..n).unwrap_or(buf));
                this.bytes += n as u64;
                Poll::Ready(Ok(n))
            }
            other => other,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, ty: &str, size: u64, created_at: u64) -> MediaEntry {
        MediaEntry {
            id: format!("id-{name}"),
            name: name.into(),
            content_type: ty.into(),
            kind: MediaKind::of(ty),
            size,
            created_at,
            expires_at: 0,
            thumbnail: String::new(),
        }
    }

    fn names(v: &[MediaEntry]) -> Vec<&str> {
        v.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn views_sort_and_filter_by_type_size_and_date() {
        let all = vec![
            entry("b.png", "image/png", 500, 30),
            entry("a.pdf", "application/pdf", 9000, 10),
            entry("c.mp4", "video/mp4", 70_000, 20),
            entry("d.jpg", "image/jpeg", 500, 40),
        ];
        let largest = MediaView {
            sort: MediaSort::Largest,
            ..MediaView::default()
        };
        assert_eq!(
            names(&largest.apply(&all)),
            ["c.mp4", "a.pdf", "b.png", "d.jpg"],
            "ties by name"
        );
        assert_eq!(
            names(&MediaView::default().apply(&all)),
            ["d.jpg", "b.png", "c.mp4", "a.pdf"]
        );
        let images = MediaView {
            kind: Some(MediaKind::Image),
            sort: MediaSort::Oldest,
            ..MediaView::default()
        };
        assert_eq!(names(&images.apply(&all)), ["b.png", "d.jpg"]);
        let window = MediaView {
            min_size: Some(501),
            created_from: Some(15),
            created_before: Some(40),
            sort: MediaSort::Name,
            ..MediaView::default()
        };
        assert_eq!(names(&window.apply(&all)), ["c.mp4"]);
        let search = MediaView {
            search: Some("PDF".into()),
            ..MediaView::default()
        };
        assert_eq!(names(&search.apply(&all)), ["a.pdf"]);
    }

    #[test]
    fn kinds_and_types_from_names() {
        assert_eq!(MediaKind::of("image/webp"), MediaKind::Image);
        assert_eq!(MediaKind::of("application/pdf"), MediaKind::Document);
        assert_eq!(MediaKind::of("application/octet-stream"), MediaKind::Other);
        assert_eq!(mime_from_name("Report.PDF"), "application/pdf");
        assert_eq!(mime_from_name("noext"), "application/octet-stream");
        assert_eq!(sanitize("../x y"), "___x_y");
        assert_eq!(
            partial_path(Path::new("/t/a.bin")),
            Path::new("/t/a.bin.partial")
        );
    }
}
