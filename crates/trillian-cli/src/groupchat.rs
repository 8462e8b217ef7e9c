//! `trillian groupchats …`: group chats, their members, media and message history.

use clap::{Args, Subcommand};
use serde::Serialize;
use trillian_api::Expand;
use trillian_api::model::{
    GroupChat, GroupChatFlags, GroupChatUpdate, Member, MemberFlags, NewGroupChat,
};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::flag::{self, FlagName, Flags};
use crate::media::Owner;
use crate::output::{Outcome, Record};
use crate::{media, message};

/// Group chat flags, as the reference defines them.
pub const GROUPCHAT_FLAGS: &[FlagName] = &[
    FlagName {
        name: "deleted",
        bit: 0x1,
    },
    FlagName {
        name: "disable-displayname-set",
        bit: 0x100,
    },
    FlagName {
        name: "disable-topic-set",
        bit: 0x200,
    },
    FlagName {
        name: "disable-list",
        bit: 0x400,
    },
    FlagName {
        name: "disable-member-add",
        bit: 0x800,
    },
    FlagName {
        name: "disable-member-remove",
        bit: 0x1000,
    },
    FlagName {
        name: "disable-message-send",
        bit: 0x2000,
    },
];

/// Group chat member flags.
pub const MEMBER_FLAGS: &[FlagName] = &[
    FlagName {
        name: "op",
        bit: 0x1,
    },
    FlagName {
        name: "voice",
        bit: 0x2,
    },
];

fn parse_groupchat_flags(text: &str) -> Result<Flags, flag::FlagsError> {
    flag::parse(text, GROUPCHAT_FLAGS)
}

fn parse_member_flags(text: &str) -> Result<Flags, flag::FlagsError> {
    flag::parse(text, MEMBER_FLAGS)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List group chats (deleted ones are left out by the server).
    List {
        #[command(flatten)]
        expand: ExpandArgs,
    },
    /// Show one group chat (by name, `#…@domain`; quote it in the shell).
    Get {
        /// The group chat's name.
        name: String,
        #[command(flatten)]
        expand: ExpandArgs,
    },
    /// Create a group chat; the server chooses its name.
    Create {
        /// The name shown to users.
        #[arg(long)]
        displayname: Option<String>,
        /// A number, or names joined by commas: deleted, disable-displayname-set,
        /// disable-topic-set, disable-list, disable-member-add, disable-member-remove,
        /// disable-message-send.
        #[arg(long, value_parser = parse_groupchat_flags)]
        flags: Option<Flags>,
    },
    /// Change a group chat's display name, topic or flags.
    Update {
        /// The group chat's name.
        name: String,
        /// The name shown to users.
        #[arg(long)]
        displayname: Option<String>,
        /// The topic shown at the top of the message window.
        #[arg(long)]
        topic: Option<String>,
        /// A number, or flag names joined by commas (see `create --help`).
        #[arg(long, value_parser = parse_groupchat_flags)]
        flags: Option<Flags>,
    },
    /// Members of a group chat.
    #[command(subcommand)]
    Members(MemberCommand),
    /// Media owned by a group chat.
    #[command(subcommand)]
    Media(media::Command),
    /// Message history of a group chat.
    #[command(subcommand)]
    Messages(message::Command),
}

#[derive(Debug, Args)]
pub struct ExpandArgs {
    /// Include the members.
    #[arg(long)]
    pub members: bool,
    /// Include the groups.
    #[arg(long)]
    pub groups: bool,
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// List a group chat's members and their flags.
    List {
        /// The group chat's name.
        name: String,
    },
    /// Add a member, or change an existing member's flags.
    Add {
        /// The group chat's name.
        name: String,
        /// The member's IM address.
        member: String,
        /// A number, or names joined by commas: op, voice.
        #[arg(long, value_parser = parse_member_flags)]
        flags: Option<Flags>,
    },
    /// Remove a member.
    Remove {
        /// The group chat's name.
        name: String,
        /// The member's IM address.
        member: String,
    },
}

/// A group chat as printed.
#[derive(Debug, Serialize)]
pub struct GroupChatView {
    pub name: String,
    pub displayname: String,
    pub topic: String,
    pub flags: u32,
    /// The flags by name (`disable-topic-set`, …), unknown bits in hexadecimal.
    pub flag_names: Vec<String>,
    /// `messageTimestamp`.
    pub message_timestamp: u64,
    /// Filled with `--members`.
    pub members: Vec<MemberView>,
    /// Group ids, filled with `--groups`.
    pub groups: Vec<u64>,
}

impl ExpandArgs {
    fn flags(&self) -> Expand {
        let mut e = Expand::empty();
        e.set(Expand::MEMBERS, self.members);
        e.set(Expand::GROUPS, self.groups);
        e
    }
}

impl From<&GroupChat> for GroupChatView {
    fn from(g: &GroupChat) -> Self {
        let names = flag::describe(g.flags.bits(), GROUPCHAT_FLAGS);
        Self {
            name: g.name.clone(),
            displayname: g.displayname.clone(),
            topic: g.topic.clone(),
            flags: g.flags.bits(),
            flag_names: names
                .split(',')
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect(),
            message_timestamp: g.message_timestamp,
            members: g.members.iter().map(MemberView::from).collect(),
            groups: g.groups.clone(),
        }
    }
}

impl Record for GroupChatView {
    const COLUMNS: &'static [&'static str] = &["name", "displayname", "topic", "flags", "members"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.displayname.clone(),
            self.topic.clone(),
            self.flag_names.join(","),
            self.members
                .iter()
                .map(|m| m.im.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ]
    }
}

/// A group chat member as printed.
#[derive(Debug, Serialize)]
pub struct MemberView {
    pub im: String,
    pub flags: u32,
    pub op: bool,
    pub voice: bool,
}

impl From<&Member> for MemberView {
    fn from(m: &Member) -> Self {
        Self {
            im: m.name.clone(),
            flags: m.flags.bits(),
            op: m.flags.contains(MemberFlags::OP),
            voice: m.flags.contains(MemberFlags::VOICE),
        }
    }
}

impl Record for MemberView {
    const COLUMNS: &'static [&'static str] = &["im", "op", "voice", "flags"];
    fn cells(&self) -> Vec<String> {
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
        vec![
            self.im.clone(),
            yes_no(self.op),
            yes_no(self.voice),
            self.flags.to_string(),
        ]
    }
}

impl Command {
    /// The journal's `(action, target)` for a command that changes something.
    pub fn journal_entry(&self) -> Option<(String, String)> {
        let entry = |action: &str, target: String| Some((action.to_owned(), target));
        match self {
            Command::List { .. }
            | Command::Get { .. }
            | Command::Members(MemberCommand::List { .. }) => None,
            Command::Create { displayname, .. } => {
                entry("groupchats.create", displayname.clone().unwrap_or_default())
            }
            Command::Update { name, .. } => entry("groupchats.update", name.clone()),
            Command::Members(MemberCommand::Add { name, member, .. }) => {
                entry("groupchats.members.add", format!("{name} {member}"))
            }
            Command::Members(MemberCommand::Remove { name, member }) => {
                entry("groupchats.members.remove", format!("{name} {member}"))
            }
            Command::Media(cmd) => cmd.journal_entry("groupchats"),
            Command::Messages(cmd) => cmd.journal_entry("groupchats"),
        }
    }
}

pub async fn run(cmd: Command, ctx: &Context) -> Result<()> {
    let out = &ctx.printer;
    match cmd {
        Command::Media(cmd) => return media::run(cmd, Owner::Groupchat, ctx).await,
        Command::Messages(cmd) => return message::run(cmd, Owner::Groupchat, ctx).await,
        _ => {}
    }
    let client = ctx.client().await?;
    let chats = client.groupchats();
    match cmd {
        Command::List { expand } => {
            let list = chats.list(expand.flags()).await?;
            out.list(&list.iter().map(GroupChatView::from).collect::<Vec<_>>())
        }
        Command::Get { name, expand } => out.one(&GroupChatView::from(
            &chats.get(&name, expand.flags()).await?,
        )),
        Command::Create { displayname, flags } => {
            let new = NewGroupChat {
                displayname,
                flags: flags.map(|f| GroupChatFlags::from_bits_retain(f.0)),
            };
            out.one(&GroupChatView::from(&chats.create(&new).await?))
        }
        Command::Update {
            name,
            displayname,
            topic,
            flags,
        } => {
            let update = GroupChatUpdate {
                displayname,
                flags: flags.map(|f| GroupChatFlags::from_bits_retain(f.0)),
                topic,
            };
            if update == GroupChatUpdate::default() {
                return Err(Error::Usage(
                    "nothing to change: give at least one field".to_owned(),
                ));
            }
            out.one(&GroupChatView::from(&chats.update(&name, &update).await?))
        }
        Command::Members(MemberCommand::List { name }) => {
            let members = chats.members(&name).list().await?;
            out.list(&members.iter().map(MemberView::from).collect::<Vec<_>>())
        }
        Command::Members(MemberCommand::Add {
            name,
            member,
            flags,
        }) => {
            let flags = flags.map(|f| MemberFlags::from_bits_retain(f.0));
            out.one(&MemberView::from(
                &chats.members(&name).add(&member, flags).await?,
            ))
        }
        Command::Members(MemberCommand::Remove { name, member }) => {
            chats.members(&name).remove(&member).await?;
            out.done(&Outcome::ok(format!("removed {member} from {name}")))
        }
        Command::Media(_) | Command::Messages(_) => Ok(()),
    }
}
