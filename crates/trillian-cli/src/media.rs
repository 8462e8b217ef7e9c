//! `trillian users media …` and `trillian groupchats media …`: media owned by a user or a group
//! chat. Downloads stream to a file or standard output; uploads make their thumbnail locally.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Subcommand;
use serde::Serialize;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use trillian_api::model::{MediaItem, MediaUpload};
use trillian_api::{Client, MediaApi, ProgressFn};

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

/// The MIME type of a file, from its extension.
pub fn guess_mime(path: &std::path::Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "svg" => "image/svg+xml",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "pdf" => "application/pdf",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
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

/// The upload of `path`: streamed from the file, with its name and MIME type. No thumbnail yet:
/// trillian-core has no thumbnail maker to share with the app.
async fn prepare_upload(
    path: &Path,
    name: Option<String>,
    mime: Option<String>,
) -> Result<MediaUpload> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let name = match name {
        Some(n) => n,
        None => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Error::Usage(format!("{} has no file name", path.display())))?,
    };
    let mime = mime.unwrap_or_else(|| guess_mime(path).to_owned());
    Ok(MediaUpload::new(name, mime, file))
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn mime_from_extension() {
        assert_eq!(guess_mime(Path::new("Stage 3 Mockup.JPG")), "image/jpeg");
        assert_eq!(guess_mime(Path::new("Sales Goals.txt")), "text/plain");
        assert_eq!(guess_mime(Path::new("noext")), "application/octet-stream");
    }
}
