use reqwest::Method;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWrite;

use super::under;
use crate::client::{Call, Client};
use crate::error::{Error, Result};
use crate::form::{Form, ProgressFn, upload_body};
use crate::model::{MediaInfo, MediaItem, MediaUpload};
use crate::xml::{decode_list, decode_one};

/// Bytes of a media item, thumbnail or avatar, with what the headers said.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MediaBytes {
    pub bytes: Vec<u8>,
    pub info: MediaInfo,
}

/// Largest thumbnail the server accepts.
pub const MAX_THUMBNAIL_BYTES: usize = 65_535;

/// `…/media/` of a group chat or a user.
#[derive(Debug, Clone)]
pub struct MediaApi<'c> {
    client: &'c Client,
    /// `groupchats` or `users`.
    kind: &'static str,
    /// The group chat's name or the user's IM address.
    owner: String,
    ops: &'static MediaOps,
}

/// The operation names (in errors and logs) of one kind of owner.
#[derive(Debug)]
pub(crate) struct MediaOps {
    list: &'static str,
    head: &'static str,
    get: &'static str,
    thumbnail: &'static str,
    create: &'static str,
    delete: &'static str,
}

pub(crate) static GROUPCHAT_MEDIA: MediaOps = MediaOps {
    list: "groupchats.media.list",
    head: "groupchats.media.head",
    get: "groupchats.media.get",
    thumbnail: "groupchats.media.thumbnail",
    create: "groupchats.media.create",
    delete: "groupchats.media.delete",
};

pub(crate) static USER_MEDIA: MediaOps = MediaOps {
    list: "users.media.list",
    head: "users.media.head",
    get: "users.media.get",
    thumbnail: "users.media.thumbnail",
    create: "users.media.create",
    delete: "users.media.delete",
};

impl<'c> MediaApi<'c> {
    pub(crate) fn new(
        client: &'c Client,
        kind: &'static str,
        owner: &str,
        ops: &'static MediaOps,
    ) -> Self {
        MediaApi {
            client,
            kind,
            owner: owner.to_owned(),
            ops,
        }
    }

    fn path(&self, more: &[&str]) -> Vec<String> {
        under(&[self.kind, &self.owner], more)
    }

    /// Get all media owned by the group chat or user: `GET …/media/`.
    pub async fn list(&self) -> Result<Vec<MediaItem>> {
        let op = self.ops.list;
        let call = Call::new(op, Method::GET, self.path(&["media"]));
        self.client.xml(call, decode_list).await
    }

    /// `HEAD …/media/:item/`: type, length and file name without the bytes.
    pub async fn head(&self, item: &str) -> Result<MediaInfo> {
        let op = self.ops.head;
        let call = Call::new(op, Method::HEAD, self.path(&["media", item]));
        self.client.head(call).await
    }

    /// Get a single media item: `GET …/media/:item/`, streamed into `out` with progress.
    pub async fn download<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        item: &str,
        out: &mut W,
        progress: Option<ProgressFn>,
    ) -> Result<MediaInfo> {
        let op = self.ops.get;
        let call = Call::new(op, Method::GET, self.path(&["media", item]));
        self.client.download(call, out, progress).await
    }

    /// Get a single media item into memory (refused above the response cap).
    pub async fn get(&self, item: &str) -> Result<MediaBytes> {
        let op = self.ops.get;
        let call = Call::new(op, Method::GET, self.path(&["media", item]));
        let (bytes, info) = self.client.bytes(call).await?;
        Ok(MediaBytes { bytes, info })
    }

    /// The item's thumbnail: `GET …/media/:item/?thumbnail=1`.
    pub async fn thumbnail(&self, item: &str) -> Result<MediaBytes> {
        let op = self.ops.thumbnail;
        let call = Call::new(op, Method::GET, self.path(&["media", item])).query("thumbnail", "1");
        let (bytes, info) = self.client.bytes(call).await?;
        Ok(MediaBytes { bytes, info })
    }

    /// Create a media item: `POST …/media/` with `data=<Base64>&name=…&type=…`, streamed from
    /// the upload's source (read twice: once to size the body, once to send it). Answers the
    /// new item, or `None` when the server answers with no body.
    pub async fn upload(
        &self,
        upload: MediaUpload,
        progress: Option<ProgressFn>,
    ) -> Result<Option<MediaItem>> {
        let op = self.ops.create;
        let MediaUpload {
            name,
            content_type,
            source,
            thumbnail,
            image_width,
            image_height,
        } = upload;
        if thumbnail
            .as_ref()
            .is_some_and(|t| t.len() > MAX_THUMBNAIL_BYTES)
        {
            return Err(Error::Config(format!(
                "{op}: the thumbnail exceeds {MAX_THUMBNAIL_BYTES} bytes"
            )));
        }
        use base64::Engine as _;
        let thumb = thumbnail.map(|t| base64::engine::general_purpose::STANDARD.encode(t));
        let fields = Form::new()
            .text("name", &name)
            .text("type", &content_type)
            .opt_text("thumbnail", thumb.as_deref())
            .opt_num("imagewidth", image_width)
            .opt_num("imageheight", image_height);
        let body = upload_body(source, fields, progress).await?;
        let call = Call::new(op, Method::POST, self.path(&["media"])).upload(body);
        self.client.xml_opt(call, decode_one).await
    }

    /// Delete a media item: `DELETE …/media/:item/`.
    pub async fn delete(&self, item: &str) -> Result<()> {
        let op = self.ops.delete;
        let call = Call::new(op, Method::DELETE, self.path(&["media", item]));
        self.client.empty(call).await
    }
}
