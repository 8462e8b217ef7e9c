use bytes::Bytes;
use reqwest::Method;
use tokio::io::AsyncWrite;

use super::{MediaApi, MediaBytes, MessagesApi, media, message, path, under};
use crate::client::{Call, Client};
use crate::error::{Error, Result};
use crate::form::{Form, ProgressFn};
use crate::model::{MediaInfo, NewUser, User, UserUpdate};
use crate::xml::decode_one;

/// `/v2/:domain/users/`.
#[derive(Debug, Clone, Copy)]
pub struct UsersApi<'c> {
    client: &'c Client,
}

impl<'c> UsersApi<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        UsersApi { client }
    }

    /// Get all users: `GET users/`.
    pub async fn list(self) -> Result<Vec<User>> {
        let call = Call::new("users.list", Method::GET, path(["users"]));
        self.client.xml(call, crate::xml::decode_list).await
    }

    /// Get a single user: `GET users/:user/`.
    pub async fn get(self, im: &str) -> Result<User> {
        let call = Call::new("users.get", Method::GET, path(["users", im]));
        self.client.xml(call, decode_one).await
    }

    /// Create a user: `POST users/` with `im`, `password` and the optional fields.
    pub async fn create(self, user: &NewUser) -> Result<User> {
        let form = Form::new()
            .text("im", &user.im)
            .text("password", &user.password)
            .opt_text("email", user.email.as_deref())
            .opt_text("displayname", user.displayname.as_deref())
            .opt_num("group", user.group)
            .opt_num("policy", user.policy);
        let call = Call::new("users.create", Method::POST, path(["users"])).form(form.finish());
        self.client.xml(call, decode_one).await
    }

    /// Update a user: `PATCH users/:user/` (or POST) with the fields that are `Some`.
    pub async fn update(self, im: &str, update: &UserUpdate) -> Result<User> {
        let form = Form::new()
            .opt_text("im", update.im.as_deref())
            .opt_text("password", update.password.as_deref())
            .opt_text("email", update.email.as_deref())
            .opt_text("displayname", update.displayname.as_deref())
            .opt_num("group", update.group)
            .opt_num("policy", update.policy)
            .opt_num("flags", update.flags.map(|f| f.bits()));
        let call = Call::new(
            "users.update",
            self.client.update_method(),
            path(["users", im]),
        )
        .form(form.finish());
        self.client.xml(call, decode_one).await
    }

    /// Delete a user: `DELETE users/:user/`; answers the deleted user.
    pub async fn delete(self, im: &str) -> Result<User> {
        let call = Call::new("users.delete", Method::DELETE, path(["users", im]));
        self.client.xml(call, decode_one).await
    }

    /// The user's avatar (`users/:user/addressbook/avatar/`).
    pub fn avatar(self, im: &str) -> AvatarApi<'c> {
        AvatarApi {
            client: self.client,
            im: im.to_owned(),
        }
    }

    /// The user's media (`users/:user/media/`).
    pub fn media(self, im: &str) -> MediaApi<'c> {
        MediaApi::new(self.client, "users", im, &media::USER_MEDIA)
    }

    /// The user's message history (`users/:user/messages/`).
    pub fn messages(self, im: &str) -> MessagesApi<'c> {
        MessagesApi::new(self.client, "users", im, &message::USER_MESSAGES)
    }
}

/// `/v2/:domain/users/:user/addressbook/avatar/`.
#[derive(Debug, Clone)]
pub struct AvatarApi<'c> {
    client: &'c Client,
    /// The user's IM address.
    im: String,
}

impl AvatarApi<'_> {
    /// Get a user's avatar: `GET …/avatar/`, in memory (capped). 404 when there is none.
    pub async fn get(&self) -> Result<MediaBytes> {
        let call = Call::new(
            "users.avatar.get",
            Method::GET,
            under(&["users", &self.im, "addressbook", "avatar"], &[]),
        );
        let (bytes, info) = self.client.bytes(call).await?;
        Ok(MediaBytes { bytes, info })
    }

    /// Get a user's avatar, streamed into `out`.
    pub async fn download<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        out: &mut W,
        progress: Option<ProgressFn>,
    ) -> Result<MediaInfo> {
        let call = Call::new(
            "users.avatar.get",
            Method::GET,
            under(&["users", &self.im, "addressbook", "avatar"], &[]),
        );
        self.client.download(call, out, progress).await
    }

    /// Set a user's avatar: `PUT …/avatar/` with the raw image and its `image/*` type.
    pub async fn set(&self, image: impl Into<Bytes>, content_type: &str) -> Result<()> {
        if !content_type.starts_with("image/") {
            return Err(Error::Config(format!(
                "users.avatar.set: the avatar must be an image/* type, not {content_type:?}"
            )));
        }
        let call = Call::new(
            "users.avatar.set",
            Method::PUT,
            under(&["users", &self.im, "addressbook", "avatar"], &[]),
        )
        .raw(image.into(), content_type.to_owned());
        self.client.empty(call).await
    }

    /// Delete a user's avatar: `DELETE …/avatar/`.
    pub async fn delete(&self) -> Result<()> {
        let call = Call::new(
            "users.avatar.delete",
            Method::DELETE,
            under(&["users", &self.im, "addressbook", "avatar"], &[]),
        );
        self.client.empty(call).await
    }
}
