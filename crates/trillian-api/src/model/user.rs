//! Users: `<user name="im@domain">` with display name, e-mail, group, policy, flags.

use std::fmt;

use serde::{Deserialize, Serialize};

bitflags::bitflags! {
    /// User flags (an unsigned 32-bit integer). Unknown bits are kept as they are.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct UserFlags: u32 {
        /// The user cannot sign in; all data is kept (the safe alternative to deleting).
        const DISABLED = 0x0000_0001;
        const _ = !0;
    }
}
super::flags_serde_as_u32!(UserFlags);

/// One user of the domain.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct User {
    /// The IM address, `name@domain` (the `name` attribute).
    pub name: String,
    pub displayname: String,
    pub email: String,
    /// Id of the one group the user belongs to.
    pub group: u64,
    /// Policy id; 0 means "inherit the group's policy".
    pub policy: u64,
    pub flags: UserFlags,
    /// Unix seconds.
    pub created_at: u64,
    pub addressbook_href: Option<String>,
    pub media_href: Option<String>,
    pub messages_href: Option<String>,
}

impl User {
    /// Whether the user is disabled (cannot sign in).
    pub fn is_disabled(&self) -> bool {
        self.flags.contains(UserFlags::DISABLED)
    }
}

/// Parameters of "Create a user". `im` and `password` are required.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
pub struct NewUser {
    pub im: String,
    pub password: String,
    pub email: Option<String>,
    pub displayname: Option<String>,
    pub group: Option<u64>,
    pub policy: Option<u64>,
}

/// Parameters of "Update a user": only the fields that are `Some` are sent.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
pub struct UserUpdate {
    pub im: Option<String>,
    pub password: Option<String>,
    pub email: Option<String>,
    pub displayname: Option<String>,
    pub group: Option<u64>,
    pub policy: Option<u64>,
    pub flags: Option<UserFlags>,
}

const REDACTED: &str = "<redacted>";

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("im", &self.im)
            .field("password", &REDACTED)
            .field("email", &self.email)
            .field("displayname", &self.displayname)
            .field("group", &self.group)
            .field("policy", &self.policy)
            .finish()
    }
}

impl fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserUpdate")
            .field("im", &self.im)
            .field("password", &self.password.as_ref().map(|_| REDACTED))
            .field("email", &self.email)
            .field("displayname", &self.displayname)
            .field("group", &self.group)
            .field("policy", &self.policy)
            .field("flags", &self.flags)
            .finish()
    }
}
