//! `trillian users media …` and `trillian groupchats media …`: media owned by a user or a group
//! chat. Downloads stream to a file or standard output; uploads make their thumbnail locally.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Subcommand;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt};
use trillian_api::model::{MediaItem, MediaUpload};
use trillian_api::{Client, MediaApi, ProgressFn};
use trillian_core::media as core_media;
use trillian_core::media::thumbnail::{self, ImageLimits};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::{self, Outcome, Record};

/// Whose media or messages a command is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    User,
    Groupchat,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the media items.
    List {
        /// The owner: a user's IM address, or a group chat's name (`#…@domain`, quoted).
        owner: String,
    },
    /// Download a media item (or its thumbnail) to a file or standard output.
    Get {
        /// The owner: a user's IM address, or a group chat's name.
        owner: String,
        /// The item's id (the `m` of the listing).
        item: String,
        /// Download the thumbnail instead of the item.
        #[arg(long)]
        thumbnail: bool,
        /// Write to this file instead of standard output.
        #[arg(long, short = 'f', value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Upload a file as a new media item.
    Upload {
        /// The owner: a user's IM address, or a group chat's name.
        owner: String,
        /// The file to upload.
        file: PathBuf,
        /// The item's name (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        /// The MIME type (default: guessed from the file's extension).
        #[arg(long = "type", value_name = "MIME")]
        mime: Option<String>,
    },
    /// Delete a media item.
    Delete {
        /// The owner: a user's IM address, or a group chat's name.
        owner: String,
        /// The item's id.
        item: String,
    },
}

/// A media item as printed.
#[derive(Debug, Serialize)]
pub struct MediaView {
    /// The item id (`m`): Base64 SHA-256 of the data.
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub content_type: String,
    pub size: u64,
    pub owner: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds, 0 for never.
    pub expires_at: u64,
    /// Base64 SHA-256 of the thumbnail bytes.
    pub thumbnail: String,
    /// Base64 SHA-256 of the data.
    pub data: String,
}

impl From<&MediaItem> for MediaView {
    fn from(m: &MediaItem) -> Self {
        Self {
            id: m.id.clone(),
            name: m.name.clone(),
            content_type: m.content_type.clone(),
            size: m.size,
            owner: m.owner.clone(),
            created_at: m.created_at,
            expires_at: m.expires_at,
            thumbnail: m.thumbnail.clone(),
            data: m.data.clone(),
        }
    }
}

impl Record for MediaView {
    const COLUMNS: &'static [&'static str] = &["id", "name", "type", "size", "created_at"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.name.clone(),
            self.content_type.clone(),
            self.size.to_string(),
            output::date_time(self.created_at),
        ]
    }
}

/// The media of a user or a group chat.
pub fn api<'c>(client: &'c Client, kind: Owner, owner: &str) -> MediaApi<'c> {
    match kind {
        Owner::User => client.users().media(owner),
        Owner::Groupchat => client.groupchats().media(owner),
    }
}

impl Command {
    /// The journal's `(action, target)` for a command that changes something; `area` is
    /// `users` or `groupchats`.
    pub fn journal_entry(&self, area: &str) -> Option<(String, String)> {
        match self {
            Command::List { .. } | Command::Get { .. } => None,
            Command::Upload { owner, file, .. } => Some((
                format!("{area}.media.upload"),
                format!("{owner} {}", file.display()),
            )),
            Command::Delete { owner, item } => {
                Some((format!("{area}.media.delete"), format!("{owner} {item}")))
            }
        }
    }
}

pub async fn run(cmd: Command, kind: Owner, ctx: &Context) -> Result<()> {
    let client = ctx.client().await?;
    let out = &ctx.printer;
    match cmd {
        Command::List { owner } => {
            let items = api(&client, kind, &owner).list().await?;
            out.list(&items.iter().map(MediaView::from).collect::<Vec<_>>())
        }
        Command::Get {
            owner,
            item,
            thumbnail,
            file,
        } => {
            let media = api(&client, kind, &owner);
            let mut sink = Sink::open(file.as_deref()).await?;
            let result = if thumbnail {
                match media.thumbnail(&item).await {
                    Ok(thumb) => sink.write_all(&thumb.bytes).await,
                    Err(e) => Err(e.into()),
                }
            } else {
                let result = media
                    .download(&item, sink.writer(), progress(&item))
                    .await
                    .map(drop)
                    .map_err(Error::from);
                end_progress();
                result
            };
            sink.finish(result, ctx).await
        }
        Command::Upload {
            owner,
            file,
            name,
            mime,
        } => {
            let upload = prepare_upload(&file, name, mime).await?;
            let shown = upload.name.clone();
            let uploaded = api(&client, kind, &owner)
                .upload(upload, progress(&shown))
                .await;
            end_progress();
            match uploaded? {
                Some(item) => out.one(&MediaView::from(&item)),
                None => out.done(&Outcome::ok(format!("uploaded {shown} to {owner}"))),
            }
        }
        Command::Delete { owner, item } => {
            api(&client, kind, &owner).delete(&item).await?;
            out.done(&Outcome::ok(format!(
                "deleted media item {item} of {owner}"
            )))
        }
    }
}

/// The upload of `path`, prepared as the app prepares one: streamed from the file; the type
/// sniffed from the first bytes for images, else from the name; for an image, its dimensions and
/// a thumbnail (at most 65,535 bytes) made locally under trillian-core's image limits. An image
/// that cannot be thumbnailed is uploaded without one, with a note on standard error.
async fn prepare_upload(
    path: &Path,
    name: Option<String>,
    mime: Option<String>,
) -> Result<MediaUpload> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let name = name.unwrap_or_else(|| core_media::file_name(path));
    let mut head = vec![0u8; 64];
    let n = read_head(&mut file, &mut head)
        .await
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    head.truncate(n);
    file.seek(std::io::SeekFrom::Start(0))
        .await
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let format = thumbnail::sniff(&head);
    let mime = mime.unwrap_or_else(|| match format {
        Some(f) => f.mime().to_owned(),
        None => core_media::mime_from_name(&name).to_owned(),
    });
    let mut upload = MediaUpload::new(name.clone(), mime, file);
    if format.is_some() {
        let source = path.to_path_buf();
        let made = tokio::task::spawn_blocking(move || {
            thumbnail::thumbnail_file(&source, &ImageLimits::default())
        })
        .await;
        match made {
            Ok(Ok(t)) => {
                upload = upload
                    .with_dimensions(t.source.width, t.source.height)
                    .with_thumbnail(t.bytes);
            }
            Ok(Err(e)) => eprintln!("trillian: uploading {name} without a thumbnail: {e}"),
            Err(_) => eprintln!("trillian: uploading {name} without a thumbnail: the task failed"),
        }
    }
    Ok(upload)
}

/// Reads up to `buf.len()` bytes from the start of a file (fewer only at its end).
async fn read_head(file: &mut tokio::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let Some(rest) = buf.get_mut(filled..) else {
            break;
        };
        match file.read(rest).await? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// A byte counter on standard error while a transfer runs, when standard error is a terminal.
pub fn progress(label: &str) -> Option<ProgressFn> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let label = output::printable(label);
    Some(Arc::new(move |done: u64, total: Option<u64>| {
        let mut err = std::io::stderr().lock();
        let _ = match total {
            Some(total) if total > 0 => write!(
                err,
                "\r{label}: {} of {} KiB ({}%)",
                done / 1024,
                total / 1024,
                done.saturating_mul(100) / total
            ),
            _ => write!(err, "\r{label}: {} KiB", done / 1024),
        };
        let _ = err.flush();
    }))
}

/// Ends the line [`progress`] drew on.
pub fn end_progress() {
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
}

/// Where a download goes: a file (removed again if the download fails) or standard output.
pub struct Sink {
    path: Option<PathBuf>,
    writer: Box<dyn AsyncWrite + Unpin + Send>,
    written: u64,
}

impl Sink {
    /// Opens the destination. Bytes are not written to a terminal, where they would garble it.
    pub async fn open(path: Option<&Path>) -> Result<Self> {
        let writer: Box<dyn AsyncWrite + Unpin + Send> = match path {
            Some(p) => Box::new(
                tokio::fs::File::create(p)
                    .await
                    .map_err(|e| Error::io(format!("creating {}", p.display()), e))?,
            ),
            None if std::io::stdout().is_terminal() => {
                return Err(Error::Usage(
                    "refusing to write a download to the terminal: give -f FILE, or redirect \
                     standard output to a file or a pipe"
                        .to_owned(),
                ));
            }
            None => Box::new(tokio::io::stdout()),
        };
        Ok(Self {
            path: path.map(Path::to_path_buf),
            writer,
            written: 0,
        })
    }

    pub fn writer(&mut self) -> &mut (dyn AsyncWrite + Unpin + Send) {
        &mut *self.writer
    }

    pub async fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.written += bytes.len() as u64;
        self.writer
            .write_all(bytes)
            .await
            .map_err(|e| self.io_error(e))
    }

    fn io_error(&self, e: std::io::Error) -> Error {
        match &self.path {
            Some(p) => Error::io(format!("writing {}", p.display()), e),
            None => Error::stdout(e),
        }
    }

    /// Flushes after a successful download and says where it went; removes a partial file after
    /// a failed one.
    pub async fn finish(mut self, result: Result<()>, ctx: &Context) -> Result<()> {
        let flushed = match result {
            Ok(()) => self.writer.flush().await.map_err(|e| self.io_error(e)),
            Err(e) => Err(e),
        };
        match (&self.path, flushed) {
            (Some(p), Ok(())) => {
                let size = tokio::fs::metadata(p)
                    .await
                    .map(|m| m.len())
                    .unwrap_or(self.written);
                ctx.printer.done(&Outcome::ok(format!(
                    "saved {size} bytes to {}",
                    p.display()
                )))
            }
            (None, Ok(())) => Ok(()),
            (Some(p), Err(e)) => {
                drop(self.writer);
                let _ = tokio::fs::remove_file(p).await;
                Err(e)
            }
            (None, Err(e)) => Err(e),
        }
    }
}

/// A text file's content (`-` for standard input).
pub async fn read_text(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut tokio::io::stdin(), &mut text)
            .await
            .map_err(|e| Error::io("reading standard input", e))?;
        return Ok(text);
    }
    tokio::fs::read_to_string(path)
        .await
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))
}
