use reqwest::Method;

use super::{MediaApi, MessagesApi, media, message, path, under};
use crate::client::{Call, Client, Expand};
use crate::error::Result;
use crate::form::Form;
use crate::model::{GroupChat, GroupChatUpdate, Member, MemberFlags, NewGroupChat};
use crate::xml::{decode_list, decode_members, decode_one};

/// `/v2/:domain/groupchats/`.
#[derive(Debug, Clone, Copy)]
pub struct GroupChatsApi<'c> {
    client: &'c Client,
}

impl<'c> GroupChatsApi<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        GroupChatsApi { client }
    }

    /// Get all group chats: `GET groupchats/` (`groups=1`, `members=1` per `expand`).
    pub async fn list(self, expand: Expand) -> Result<Vec<GroupChat>> {
        let call = Call::new("groupchats.list", Method::GET, path(["groupchats"]))
            .expand(expand, Expand::GROUPS | Expand::MEMBERS);
        self.client.xml(call, decode_list).await
    }

    /// Get a single group chat: `GET groupchats/:groupchat/`.
    pub async fn get(self, name: &str, expand: Expand) -> Result<GroupChat> {
        let call = Call::new("groupchats.get", Method::GET, path(["groupchats", name]))
            .expand(expand, Expand::GROUPS | Expand::MEMBERS);
        self.client.xml(call, decode_one).await
    }

    /// Create a group chat: `POST groupchats/` with `displayname`, `flags`.
    pub async fn create(self, chat: &NewGroupChat) -> Result<GroupChat> {
        let form = Form::new()
            .opt_text("displayname", chat.displayname.as_deref())
            .opt_num("flags", chat.flags.map(|f| f.bits()));
        let call =
            Call::new("groupchats.create", Method::POST, path(["groupchats"])).form(form.finish());
        self.client.xml(call, decode_one).await
    }

    /// Update a group chat: `PATCH groupchats/:groupchat/` (or POST).
    pub async fn update(self, name: &str, update: &GroupChatUpdate) -> Result<GroupChat> {
        let form = Form::new()
            .opt_text("displayname", update.displayname.as_deref())
            .opt_num("flags", update.flags.map(|f| f.bits()))
            .opt_text("topic", update.topic.as_deref());
        let call = Call::new(
            "groupchats.update",
            self.client.update_method(),
            path(["groupchats", name]),
        )
        .form(form.finish());
        self.client.xml(call, decode_one).await
    }

    /// The chat's members (`groupchats/:groupchat/members/`).
    pub fn members(self, name: &str) -> MembersApi<'c> {
        MembersApi {
            client: self.client,
            chat: name.to_owned(),
        }
    }

    /// The chat's media (`groupchats/:groupchat/media/`).
    pub fn media(self, name: &str) -> MediaApi<'c> {
        MediaApi::new(self.client, "groupchats", name, &media::GROUPCHAT_MEDIA)
    }

    /// The chat's message history (`groupchats/:groupchat/messages/`).
    pub fn messages(self, name: &str) -> MessagesApi<'c> {
        MessagesApi::new(
            self.client,
            "groupchats",
            name,
            &message::GROUPCHAT_MESSAGES,
        )
    }
}

/// `/v2/:domain/groupchats/:groupchat/members/`.
#[derive(Debug, Clone)]
pub struct MembersApi<'c> {
    client: &'c Client,
    /// The group chat's name.
    chat: String,
}

impl MembersApi<'_> {
    /// Get all members of a group chat: `GET …/members/`.
    pub async fn list(&self) -> Result<Vec<Member>> {
        let call = Call::new(
            "groupchats.members.list",
            Method::GET,
            under(&["groupchats", &self.chat], &["members"]),
        );
        self.client.xml(call, decode_members).await
    }

    /// Add a member (or update an existing member's flags): `POST …/members/:member/`.
    pub async fn add(&self, member: &str, flags: Option<MemberFlags>) -> Result<Member> {
        let form = Form::new().opt_num("flags", flags.map(|f| f.bits()));
        let call = Call::new(
            "groupchats.members.add",
            Method::POST,
            under(&["groupchats", &self.chat], &["members", member]),
        )
        .form(form.finish());
        self.client.xml(call, decode_one).await
    }

    /// Delete a member from a group chat: `DELETE …/members/:member/`.
    pub async fn remove(&self, member: &str) -> Result<()> {
        let call = Call::new(
            "groupchats.members.remove",
            Method::DELETE,
            under(&["groupchats", &self.chat], &["members", member]),
        );
        self.client.empty(call).await
    }
}
