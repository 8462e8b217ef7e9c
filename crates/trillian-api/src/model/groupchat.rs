//! Group chats, their flags and their members.

use serde::{Deserialize, Serialize};

bitflags::bitflags! {
    /// Group chat flags (unsigned 32-bit), named as in the reference. Unknown bits are kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct GroupChatFlags: u32 {
        /// `GROUPCHAT_DELETED`: left out of listings, still fetchable by name.
        const DELETED = 0x0000_0001;
        /// `GROUPCHAT_DISABLE_DISPLAYNAME_SET`
        const DISABLE_DISPLAYNAME_SET = 0x0000_0100;
        /// `GROUPCHAT_DISABLE_TOPIC_SET`
        const DISABLE_TOPIC_SET = 0x0000_0200;
        /// `GROUPCHAT_DISABLE_LIST`
        const DISABLE_LIST = 0x0000_0400;
        /// `GROUPCHAT_DISABLE_MEMBER_ADD`
        const DISABLE_MEMBER_ADD = 0x0000_0800;
        /// `GROUPCHAT_DISABLE_MEMBER_REMOVE`
        const DISABLE_MEMBER_REMOVE = 0x0000_1000;
        /// `GROUPCHAT_DISABLE_MESSAGE_SEND`
        const DISABLE_MESSAGE_SEND = 0x0000_2000;
        const _ = !0;
    }
}
super::flags_serde_as_u32!(GroupChatFlags);

impl GroupChatFlags {
    /// Every named flag with the reference's constant name, for UIs listing switches.
    pub const NAMED: [(&'static str, GroupChatFlags); 7] = [
        ("GROUPCHAT_DELETED", Self::DELETED),
        (
            "GROUPCHAT_DISABLE_DISPLAYNAME_SET",
            Self::DISABLE_DISPLAYNAME_SET,
        ),
        ("GROUPCHAT_DISABLE_TOPIC_SET", Self::DISABLE_TOPIC_SET),
        ("GROUPCHAT_DISABLE_LIST", Self::DISABLE_LIST),
        ("GROUPCHAT_DISABLE_MEMBER_ADD", Self::DISABLE_MEMBER_ADD),
        (
            "GROUPCHAT_DISABLE_MEMBER_REMOVE",
            Self::DISABLE_MEMBER_REMOVE,
        ),
        ("GROUPCHAT_DISABLE_MESSAGE_SEND", Self::DISABLE_MESSAGE_SEND),
    ];
}

bitflags::bitflags! {
    /// Group chat member flags. Unknown bits are kept.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct MemberFlags: u32 {
        /// `GROUPCHAT_MEMBER_OP`: operator, not bound by the chat's restrictions.
        const OP = 0x0000_0001;
        /// `GROUPCHAT_MEMBER_VOICE`
        const VOICE = 0x0000_0002;
        const _ = !0;
    }
}
super::flags_serde_as_u32!(MemberFlags);

/// One member of a group chat.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Member {
    /// IM address (the `name` attribute).
    pub name: String,
    pub flags: MemberFlags,
}

/// One group chat. `groups` and `members` are filled only when the answer expanded them
/// (`groups=1`, `members=1`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GroupChat {
    /// `#<hex>@domain` (the `name` attribute).
    pub name: String,
    pub displayname: String,
    pub flags: GroupChatFlags,
    pub topic: String,
    /// `messageTimestamp`.
    pub message_timestamp: u64,
    pub groups_href: Option<String>,
    /// Group ids (expanded `<groups>`).
    pub groups: Vec<u64>,
    pub media_href: Option<String>,
    pub members_href: Option<String>,
    /// Expanded `<members>`.
    pub members: Vec<Member>,
    pub messages_href: Option<String>,
}

/// Parameters of "Create a group chat"; `None` fields are not sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewGroupChat {
    pub displayname: Option<String>,
    pub flags: Option<GroupChatFlags>,
}

/// Parameters of "Update a group chat": only the fields that are `Some` are sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GroupChatUpdate {
    pub displayname: Option<String>,
    pub flags: Option<GroupChatFlags>,
    pub topic: Option<String>,
}
