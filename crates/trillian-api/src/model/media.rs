//! Media items owned by a group chat or a user, and uploads of new ones.

use std::fmt;
use std::io::Cursor;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncSeek};

/// One media item of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MediaItem {
    /// The item id, the `m` attribute: Base64 SHA-256 of the data (contains `/`, `+`, `=`).
    pub id: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds, 0 for never.
    pub expires_at: u64,
    pub size: u64,
    /// IM address or group chat name.
    pub owner: String,
    /// MIME type (the `type` element).
    pub content_type: String,
    /// File name.
    pub name: String,
    /// Base64 SHA-256 of the thumbnail bytes.
    pub thumbnail: String,
    /// Base64 SHA-256 of the data.
    pub data: String,
}

/// What the headers of a media (or avatar) answer say about its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MediaInfo {
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    /// From `Content-Disposition`.
    pub filename: Option<String>,
}

/// A source of upload bytes that can be read twice (once to size the body, once to send it).
pub trait MediaSource: AsyncRead + AsyncSeek + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncSeek + Unpin + Send + 'static> MediaSource for T {}

/// A media item to upload. The data is streamed from `source`; it is never held whole in memory.
pub struct MediaUpload {
    /// File name.
    pub name: String,
    /// MIME type, e.g. `image/png`.
    pub content_type: String,
    pub source: Box<dyn MediaSource>,
    /// Thumbnail bytes (sent Base64-encoded); at most 65,535 bytes.
    pub thumbnail: Option<Vec<u8>>,
    pub image_width: Option<u32>,
    pub image_height: Option<u32>,
}

impl MediaUpload {
    /// An upload read from any seekable source (a `tokio::fs::File`, a cursor...).
    pub fn new(
        name: impl Into<String>,
        content_type: impl Into<String>,
        source: impl MediaSource,
    ) -> Self {
        MediaUpload {
            name: name.into(),
            content_type: content_type.into(),
            source: Box::new(source),
            thumbnail: None,
            image_width: None,
            image_height: None,
        }
    }

    /// An upload of bytes already in memory.
    pub fn from_bytes(
        name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Self {
        MediaUpload::new(name, content_type, Cursor::new(bytes.into()))
    }

    /// Attaches a thumbnail.
    pub fn with_thumbnail(mut self, thumbnail: Vec<u8>) -> Self {
        self.thumbnail = Some(thumbnail);
        self
    }

    /// Attaches the image's dimensions.
    pub fn with_dimensions(mut self, width: u32, height: u32) -> Self {
        self.image_width = Some(width);
        self.image_height = Some(height);
        self
    }
}

impl fmt::Debug for MediaUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaUpload")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("thumbnail_len", &self.thumbnail.as_ref().map(Vec::len))
            .field("image_width", &self.image_width)
            .field("image_height", &self.image_height)
            .finish_non_exhaustive()
    }
}
