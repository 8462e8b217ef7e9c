//! One handle per API area; each method is one operation of the reference.

mod group;
mod groupchat;
mod media;
mod message;
mod policy;
mod presence;
mod user;

pub use group::{GroupsApi, PeersApi};
pub use groupchat::{GroupChatsApi, MembersApi};
pub use media::{MAX_THUMBNAIL_BYTES, MediaApi, MediaBytes};
pub use message::{MessagesApi, message_block};
pub use policy::PoliciesApi;
pub use presence::PresenceApi;
pub use user::{AvatarApi, UsersApi};

/// Builds a path from segments (each percent-encoded later, one by one).
pub(crate) fn path<const N: usize>(segments: [&str; N]) -> Vec<String> {
    segments.iter().map(|s| (*s).to_owned()).collect()
}

/// Extends an owner's path (`["users", im]`) with more segments.
pub(crate) fn under(owner: &[&str], more: &[&str]) -> Vec<String> {
    owner.iter().chain(more).map(|s| (*s).to_owned()).collect()
}
