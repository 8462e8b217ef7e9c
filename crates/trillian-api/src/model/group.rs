//! Groups (organisation units) and their directed peers.

use serde::{Deserialize, Serialize};

/// One group. `peers` holds the peer group ids when the answer expanded them (`peers=1`, or the
/// answer of a create); otherwise it is empty and only `peers_href` is set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Group {
    pub id: u64,
    pub displayname: String,
    /// Internal name, unique in the domain, not shown to clients.
    pub name: String,
    /// Parent group id, 0 for none.
    pub parent: u64,
    pub peers_href: Option<String>,
    pub peers: Vec<u64>,
    pub policy: u64,
    pub priority: i64,
    /// The `type` element: 1 when bound to an LDAP object.
    #[serde(rename = "type")]
    pub kind: u32,
}

/// Parameters of "Create a group"; fields left `None` are not sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewGroup {
    pub displayname: String,
    pub name: String,
    pub parent: Option<u64>,
    pub policy: Option<u64>,
    pub priority: Option<i64>,
    #[serde(rename = "type")]
    pub kind: Option<u32>,
}

/// Parameters of "Update a group": only the fields that are `Some` are sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GroupUpdate {
    pub displayname: Option<String>,
    pub name: Option<String>,
    pub parent: Option<u64>,
    pub policy: Option<u64>,
    pub priority: Option<i64>,
    #[serde(rename = "type")]
    pub kind: Option<u32>,
}
