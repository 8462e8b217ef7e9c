//! Every XML example of the reference, decoded into its model with its values checked.

use trillian_api::xml::{
    decode_list, decode_members, decode_messages, decode_one, decode_peer, decode_peers,
};
use trillian_api::*;

use crate::fixture;

fn doc(name: &str) -> Vec<u8> {
    fixture(&format!("reference/{name}.xml"))
}

const GENERAL: &str = "#e777b98d42ae25754f3ae6bd2847dc8967ae8c5c@ceruleanstudios.com";
const HREF: &str = "https://api.trillian.im/v2/.../";

fn check_general(g: &GroupChat, topic: &str) {
    assert_eq!(g.name, GENERAL, "group chat name attribute");
    assert_eq!(g.displayname, "General");
    assert_eq!(g.flags.bits(), 7936, "flags as sent");
    assert_eq!(
        g.flags,
        GroupChatFlags::DISABLE_DISPLAYNAME_SET
            | GroupChatFlags::DISABLE_TOPIC_SET
            | GroupChatFlags::DISABLE_LIST
            | GroupChatFlags::DISABLE_MEMBER_ADD
            | GroupChatFlags::DISABLE_MEMBER_REMOVE,
        "7936 = 0x1F00, five named flags"
    );
    assert_eq!(g.groups_href.as_deref(), Some(&*format!("{HREF}groups/")));
    assert_eq!(g.media_href.as_deref(), Some(&*format!("{HREF}media/")));
    assert_eq!(g.members_href.as_deref(), Some(&*format!("{HREF}members/")));
    assert_eq!(
        g.messages_href.as_deref(),
        Some(&*format!("{HREF}messages/"))
    );
    assert_eq!(g.message_timestamp, 0);
    assert_eq!(g.topic, topic);
    assert!(g.groups.is_empty() && g.members.is_empty(), "not expanded");
}

#[test]
fn groupchats_list() {
    let chats: Vec<GroupChat> = decode_list(&doc("groupchats_list"), "t").expect("decodes");
    assert_eq!(chats.len(), 2, "two group chats");
    check_general(&chats[0], "Welcome to Cerulean HQ!");
    let dev = &chats[1];
    assert_eq!(
        dev.name,
        "#68f04b7ecef949cbf7d775f3c18c4e2c50b98969@ceruleanstudios.com"
    );
    assert_eq!(dev.displayname, "Development");
    assert_eq!(dev.flags, GroupChatFlags::DISABLE_DISPLAYNAME_SET, "256");
    assert_eq!(dev.topic, "Developers, developers, developers, developers!");
}

#[test]
fn groupchats_get_and_update() {
    let g: GroupChat = decode_one(&doc("groupchats_get"), "t").expect("decodes");
    check_general(&g, "Welcome to Cerulean HQ!");
    let g: GroupChat = decode_one(&doc("groupchats_update"), "t").expect("decodes");
    check_general(&g, "This is a brand new topic!");
}

#[test]
fn groupchats_create() {
    let g: GroupChat = decode_one(&doc("groupchats_create"), "t").expect("decodes");
    assert_eq!(
        g.name,
        "#bf1fe6f61bd917cc5dae911945b6dec415dbe9aa@ceruleanstudios.com"
    );
    assert_eq!(g.displayname, "Sales");
    assert_eq!(g.flags, GroupChatFlags::empty());
    assert_eq!(g.topic, "", "<topic/> is an empty topic");
}

#[test]
fn groupchats_media_list() {
    let items: Vec<MediaItem> = decode_list(&doc("groupchats_media_list"), "t").expect("decodes");
    assert_eq!(items.len(), 2);
    let owner = "#5b8fa79923cddcc8be3060bad620442f40749db6@ceruleanstudios.com";
    assert_eq!(
        items[0],
        MediaItem {
            id: "oaoE1007PaKuresDf88IEcxJ6xsFWS/SuLWP/kzzIjs=".into(),
            created_at: 1_464_196_567,
            expires_at: 0,
            size: 6,
            owner: owner.into(),
            content_type: "text/plain".into(),
            name: "Sales Goals.txt".into(),
            thumbnail: "CdKtFMRivzsnZ0N8r6L/rnLUsfvMh4D6By9zvbNZMJQ=".into(),
            data: "15CtxdA8qY5XzScZvkOFxgP3nwm8W6cd9sohnOiIw/w=".into(),
        }
    );
    assert_eq!(
        items[1].id, "ZZQbFbiyRJ1IJdlIkaQkIwXkDFa2K8NKmC+3pwjR7wU=",
        "id with + and ="
    );
    assert_eq!(items[1].created_at, 1_464_196_628);
    assert_eq!(items[1].size, 77_998);
    assert_eq!(items[1].content_type, "image/jpeg");
    assert_eq!(items[1].name, "Stage 3 Mockup.jpg");
    assert_eq!(
        items[1].thumbnail,
        "+O4CeLzBE7pYX0YVvhn449D3A2T7HS+E9lnuyR1D2vE="
    );
    assert_eq!(
        items[1].data,
        "2/DYBl/eBNjfv7oRayHjIljey2c+zZWv19AqZ8SvDRE="
    );
}

#[test]
fn groupchats_members() {
    let members = decode_members(&doc("groupchats_members_list"), "t").expect("decodes");
    assert_eq!(
        members,
        vec![
            Member {
                name: "smw@ceruleanstudios.com".into(),
                flags: MemberFlags::OP
            },
            Member {
                name: "kwk@ceruleanstudios.com".into(),
                flags: MemberFlags::OP | MemberFlags::VOICE
            },
        ],
        "flags 1 and 3"
    );
    let added: Member = decode_one(&doc("groupchats_members_add"), "t").expect("decodes");
    assert_eq!(added.name, "kwk@ceruleanstudios.com");
    assert_eq!(added.flags, MemberFlags::empty());
}

#[test]
fn groupchats_messages() {
    let h: MessageHistory = decode_one(&doc("groupchats_messages_weeks"), "t").expect("decodes");
    assert_eq!(h.conversation, "c798b870f797b37878fe19cf05198f50d88273dd");
    assert_eq!(h.medium, "astra");
    assert_eq!(
        h.name,
        "#5b8fa79923cddcc8be3060bad620442f40749db6@ceruleanstudios.com"
    );
    assert_eq!(h.revision, 3);
    assert_eq!(
        h.weeks,
        vec![MessageWeek {
            year: 2016,
            week: 20,
            messages: 3,
            flags: 2,
            href: Some(
                "https://api.trillian.im/v2/.../messages/c798b870f797b37878fe19cf05198f50d88273dd/2016/20/"
                    .into()
            ),
        }]
    );
    let week = decode_messages(&doc("groupchats_messages_week"), "t").expect("decodes");
    assert_eq!(week.len(), 3);
    assert_eq!(
        week[0],
        Message {
            timestamp: 1_464_200_972_389,
            from: "smw@ceruleanstudios.com".into(),
            text: "This is a test of our new group chat.".into()
        }
    );
    assert_eq!(week[1].from, "kwk@ceruleanstudios.com");
    assert_eq!(week[1].text, "Looks like it's working.");
    assert_eq!(
        week[2].timestamp, 1_464_200_982_855,
        "same timestamp as the second"
    );
    assert_eq!(week[2].text, "Great - have a lovely day!");
    let sent: Message = decode_one(&doc("groupchats_messages_send"), "t").expect("decodes");
    assert_eq!(sent.timestamp, 1_464_201_252_102);
    assert_eq!(sent.from, "smw@ceruleanstudios.com");
    assert_eq!(sent.text, "Hello from the API!");
}

fn check_group(g: &Group, id: u64, displayname: &str, name: &str, policy: u64) {
    assert_eq!(g.id, id);
    assert_eq!(g.displayname, displayname);
    assert_eq!(g.name, name);
    assert_eq!(g.parent, 0);
    assert_eq!(
        g.peers_href.as_deref(),
        Some(&*format!(
            "https://api.trillian.im/v2/ceruleanstudios.com/groups/{id}/peers/"
        ))
    );
    assert_eq!(g.policy, policy);
    assert_eq!(g.priority, 0);
    assert_eq!(g.kind, 0);
}

#[test]
fn groups() {
    let list: Vec<Group> = decode_list(&doc("groups_list"), "t").expect("decodes");
    assert_eq!(list.len(), 3);
    check_group(&list[0], 1, "ceruleanstudios.com", "ceruleanstudios.com", 1);
    check_group(
        &list[1],
        2,
        "Sales",
        "66e71868b7810c7937ec862373a764e6ed36bcaf",
        1,
    );
    check_group(
        &list[2],
        3,
        "Marketing",
        "0c1f49b8d8125e8218c00fd37600d34b80d37f0b",
        1,
    );
    assert!(
        list.iter().all(|g| g.peers.is_empty()),
        "peers not expanded"
    );
    let one: Group = decode_one(&doc("groups_get"), "t").expect("decodes");
    assert_eq!(one, list[0]);
    let created: Group = decode_one(&doc("groups_create"), "t").expect("decodes");
    check_group(
        &created,
        4,
        "Development",
        "f7ff9e8b7bb2e09b70935a5d785e0cc5d9d0abf0",
        1,
    );
    assert_eq!(
        created.peers,
        vec![1, 2, 3, 4],
        "expanded peers, itself included"
    );
    let updated: Group = decode_one(&doc("groups_update"), "t").expect("decodes");
    check_group(
        &updated,
        3,
        "Marketing",
        "0c1f49b8d8125e8218c00fd37600d34b80d37f0b",
        2,
    );
}

#[test]
fn group_peers() {
    assert_eq!(
        decode_peers(&doc("groups_peers_list"), "t").expect("decodes"),
        vec![1, 2, 3, 4]
    );
    assert_eq!(
        decode_peer(&doc("groups_peers_add"), "t").expect("decodes"),
        4
    );
}

const DOMAIN_POLICY: &str = "trillian.filetransfer server\ntrillian.history.cloud 1\n\
trillian.history.disclaimer.frequency 1440\ntrillian.plugin.facebook 0\n\
trillian.plugin.foursquare 0\ntrillian.plugin.irc 0\ntrillian.plugin.linkedin 0\n\
trillian.plugin.msn 0\ntrillian.plugin.myspace 0\ntrillian.plugin.oscar 0\n\
trillian.plugin.rendezvous 0\ntrillian.plugin.skype 0\ntrillian.plugin.twitter 0\n\
trillian.plugin.xmpp 0\ntrillian.plugin.yahoo 0\n";

#[test]
fn policies() {
    let list: Vec<Policy> = decode_list(&doc("policies_list"), "t").expect("decodes");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, 1);
    assert_eq!(list[0].name, "ceruleanstudios.com");
    assert_eq!(list[0].data.to_text(), DOMAIN_POLICY, "decoded text");
    assert_eq!(list[0].data.items().count(), 15);
    assert_eq!(list[0].data.get("trillian.plugin.msn"), Some("0"));
    assert_eq!(list[0].data.get("trillian.filetransfer"), Some("server"));
    assert_eq!(
        list[0].data.get("trillian.history.disclaimer.frequency"),
        Some("1440")
    );
    assert_eq!(list[1].id, 2);
    assert_eq!(list[1].name, "IT");
    assert_eq!(
        list[1].data.get("trillian.settings.contacts.groups"),
        Some("server")
    );
    // lossless: re-encoding gives the server's Base64 back
    let raw = String::from_utf8(doc("policies_list")).expect("utf-8");
    for p in &list {
        assert!(
            raw.contains(&p.data.to_base64()),
            "policy {} re-encodes to the same Base64",
            p.id
        );
    }
    let one: Policy = decode_one(&doc("policies_get"), "t").expect("decodes");
    assert_eq!(one, list[0]);
    let created: Policy = decode_one(&doc("policies_create"), "t").expect("decodes");
    assert_eq!(created.id, 3);
    assert_eq!(created.name, "Marketing");
    assert_eq!(
        created.data, list[0].data,
        "spaces around the Base64 are ignored"
    );
    let updated: Policy = decode_one(&doc("policies_update"), "t").expect("decodes");
    assert_eq!(updated.id, 3);
    assert_eq!(updated.name, "Marketing and HR");
}

#[test]
fn presence() {
    let list: Vec<Presence> = decode_list(&doc("presence_list"), "t").expect("decodes");
    assert_eq!(list.len(), 1);
    let p = &list[0];
    assert_eq!(p.name, "smw@ceruleanstudios.com");
    assert_eq!(p.status, PresenceStatus::Away, "status 2");
    assert_eq!(p.message, "Away since 10:49 AM EDT");
    assert_eq!(p.timestamp, 1_464_274_162);
    assert_eq!(p.devices.len(), 1);
    let d = &p.devices[0];
    assert_eq!(d.ip, 2_315_364_544);
    assert_eq!(d.ip_dotted(), "192.168.1.138");
    assert_eq!(d.name, "BONECRUSHER.D899F043");
    assert_eq!(d.platform, "Windows");
    assert_eq!(d.version, "6.0");
    assert_eq!(d.build, "50");
}

#[test]
fn users_per_decisions() {
    let list: Vec<User> = decode_list(&fixture("decisions/users_list.xml"), "t").expect("decodes");
    assert_eq!(list.len(), 2);
    let u = &list[0];
    assert_eq!(u.name, "smw@ceruleanstudios.com");
    assert_eq!(u.displayname, "Scott Werndorfer");
    assert_eq!(u.email, "smw@ceruleanstudios.com");
    assert_eq!(u.group, 1);
    assert_eq!(u.policy, 0, "inherits the group's policy");
    assert!(!u.is_disabled());
    assert_eq!(u.created_at, 1_464_196_000);
    assert_eq!(
        u.addressbook_href.as_deref(),
        Some(
            "https://api.trillian.im/v2/ceruleanstudios.com/users/smw%40ceruleanstudios.com/addressbook/"
        )
    );
    assert!(u.media_href.is_some() && u.messages_href.is_some());
    assert!(list[1].is_disabled(), "flags 1 = USER_DISABLED");
    assert_eq!(list[1].flags.bits(), 0x8001, "unknown bits kept");
}

/// Every model written by the crate's XML writers reads back equal.
#[test]
fn writers_round_trip_every_reference_document() {
    fn rt<T: trillian_api::xml::XmlModel + PartialEq + std::fmt::Debug>(name: &str) {
        let list: Vec<T> = decode_list(&doc(name), "t").expect("decodes");
        let again: Vec<T> =
            decode_list(trillian_api::xml::encode_list(&list).as_bytes(), "t").expect("re-reads");
        assert_eq!(list, again, "round trip of {name}");
    }
    rt::<GroupChat>("groupchats_list");
    rt::<MediaItem>("groupchats_media_list");
    rt::<Member>("groupchats_members_add");
    rt::<MessageHistory>("groupchats_messages_weeks");
    rt::<Message>("groupchats_messages_send");
    rt::<Group>("groups_list");
    rt::<Group>("groups_create");
    rt::<Policy>("policies_list");
    rt::<Presence>("presence_list");
    let members = decode_members(&doc("groupchats_members_list"), "t").expect("decodes");
    let xml = trillian_api::xml::encode_members(Some("h"), &members);
    assert_eq!(
        decode_members(xml.as_bytes(), "t").expect("re-reads"),
        members
    );
    let week = decode_messages(&doc("groupchats_messages_week"), "t").expect("decodes");
    let xml = trillian_api::xml::encode_messages(&week);
    assert_eq!(
        decode_messages(xml.as_bytes(), "t").expect("re-reads"),
        week
    );
    let peers = trillian_api::xml::encode_peers(Some("h"), &[1, 2]);
    assert_eq!(
        decode_peers(peers.as_bytes(), "t").expect("re-reads"),
        vec![1, 2]
    );
    let chat = GroupChat {
        name: "#x@d".into(),
        groups: vec![1, 5],
        members: vec![Member {
            name: "a@d".into(),
            flags: MemberFlags::VOICE,
        }],
        ..GroupChat::default()
    };
    let xml = trillian_api::xml::encode_one(&chat);
    assert_eq!(
        decode_one::<GroupChat>(xml.as_bytes(), "t").expect("re-reads"),
        chat,
        "expanded"
    );
}
