//! Typed async client of the Trillian Server API v2.
//!
//! ```no_run
//! # async fn demo() -> trillian_api::Result<()> {
//! use trillian_api::{Client, Expand, Token};
//! let client = Client::builder("https://api.trillian.im", "example.com", Token::new("…")).build()?;
//! let chats = client.groupchats().list(Expand::MEMBERS).await?;
//! let user = client.users().get("smw@example.com").await?;
//! # Ok(()) }
//! ```

mod client;
mod error;
pub mod form;
pub mod model;
mod resource;
pub mod xml;

pub use client::{Client, ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES, Expand, RawResponse, Token};
pub use error::{Error, Result};
pub use form::ProgressFn;
pub use model::*;
pub use resource::message_block;
pub use resource::{
    AvatarApi, GroupChatsApi, GroupsApi, MAX_THUMBNAIL_BYTES, MediaApi, MediaBytes, MembersApi,
    MessagesApi, PeersApi, PoliciesApi, PresenceApi, UsersApi,
};
