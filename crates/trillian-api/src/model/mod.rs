//! Typed models of every resource the API reference shows.
//!
//! Models are plain data: every field is public so that servers (the sandbox) and tests can build
//! them. `serde` derives are for JSON (the desktop app sends models to its web view); the XML form
//! of each model is read and written by [`crate::xml`] alone.

pub mod group;
pub mod groupchat;
pub mod media;
pub mod message;
pub mod policy;
pub mod presence;
pub mod user;

pub use group::{Group, GroupUpdate, NewGroup};
pub use groupchat::{
    GroupChat, GroupChatFlags, GroupChatUpdate, Member, MemberFlags, NewGroupChat,
};
pub use media::{MediaInfo, MediaItem, MediaSource, MediaUpload};
pub use message::{Message, MessageHistory, MessageWeek};
pub use policy::{NewPolicy, Policy, PolicyItems, PolicyLine, PolicyUpdate};
pub use presence::{Device, Presence, PresenceStatus, PresenceUpdate};
pub use user::{NewUser, User, UserFlags, UserUpdate};

/// Serialises a bitflags type as its plain `u32` (JSON number), keeping unknown bits.
macro_rules! flags_serde_as_u32 {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u32(self.bits())
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let bits = <u32 as serde::Deserialize>::deserialize(d)?;
                Ok(<$t>::from_bits_retain(bits))
            }
        }
    };
}
pub(crate) use flags_serde_as_u32;
