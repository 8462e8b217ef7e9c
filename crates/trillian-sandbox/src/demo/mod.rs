//! Demo data: Kestrel Harbor Instruments, a maker of ocean sensors and data buoys.
//!
//! Everything is derived from the seed and the current week, so the same seed gives the same
//! people, groups, chats and history, always ending in the last few days.

mod picture;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rusqlite::Connection;

use crate::content::Content;
use crate::error::Result;
use crate::http::media::{Upload, store_upload};
use crate::http::message::{append, groupchat_conv, pair_conv};
use crate::store::group::{self, GroupRow};
use crate::store::message::MessageRow;
use crate::store::presence::{self, DeviceRow};
use crate::store::user::{self, UserRow};
use crate::store::{groupchat, policy, token};

/// A small deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// The default policy's items: what every new domain starts with.
const DEFAULT_POLICY: &str = "trillian.filetransfer server\ntrillian.history.cloud 1\n\
trillian.history.disclaimer.frequency 1440\ntrillian.plugin.facebook 0\ntrillian.plugin.irc 0\n\
trillian.plugin.msn 0\ntrillian.plugin.oscar 0\ntrillian.plugin.skype 0\ntrillian.plugin.twitter 0\n\
trillian.plugin.xmpp 0\ntrillian.plugin.yahoo 0\n";

const ENGINEERING_POLICY: &str = "trillian.filetransfer server\ntrillian.filetransfer.maxsize 536870912\n\
trillian.history.cloud 1\ntrillian.history.disclaimer.frequency 10080\ntrillian.plugin.irc 1\n\
trillian.plugin.xmpp 1\ntrillian.settings.contacts.groups server\ntrillian.settings.screenshare 1\n";

const CONTRACTOR_POLICY: &str = "trillian.filetransfer disabled\ntrillian.history.cloud 1\n\
trillian.history.disclaimer.frequency 60\ntrillian.history.local 0\ntrillian.plugin.facebook 0\n\
trillian.plugin.irc 0\ntrillian.plugin.xmpp 0\ntrillian.settings.contacts.groups server\n\
trillian.settings.contacts.edit 0\n";

/// A new domain's root group (named after the domain) and default policy.
pub fn init_domain(c: &Connection, domain_id: i64, domain: &str) -> Result<()> {
    let pol = policy::insert(c, domain_id, domain, &STANDARD.encode(DEFAULT_POLICY))?;
    group::insert(
        c,
        domain_id,
        &GroupRow {
            id: 0,
            displayname: domain.to_owned(),
            name: domain.to_owned(),
            parent: 0,
            policy: pol,
            priority: 0,
            kind: 0,
        },
    )?;
    Ok(())
}

const FIRST: &[&str] = &[
    "Amara", "Bastian", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hiroshi", "Ingrid", "Jonas",
    "Kaveh", "Leonie", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tamsin",
    "Ulrich", "Valeria", "Wanjiru", "Xavier", "Yusuf", "Zofia", "Aurelio", "Birte", "Cormac",
    "Dagny", "Emeka", "Freya", "Gaspard", "Hana", "Ivo", "Jelena", "Kofi", "Liesel", "Marek",
    "Noor", "Orla", "Pavel",
];

const LAST: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Moretti",
    "Sokolov",
    "Yilmaz",
    "Haddad",
    "Brandt",
    "Tanaka",
    "Nyberg",
    "Albrecht",
    "Farahani",
    "Vogel",
    "Ibarra",
    "Kowalczyk",
    "Halvorsen",
    "Raman",
    "Delacroix",
    "Serrano",
    "Eriksen",
    "Pryce",
    "Kessler",
    "Quiroga",
    "Mwangi",
    "Duval",
    "Demir",
    "Zielinska",
    "Castellano",
    "Thorsen",
    "Byrne",
    "Aasen",
    "Nwosu",
    "Sigurdardottir",
    "Lemaire",
    "Sato",
    "Kovac",
    "Markovic",
    "Mensah",
    "Hartmann",
    "Novak",
    "Rahimi",
    "Gallagher",
    "Petrov",
];

/// Groups under the root: (display name, index of parent in this list or None for the root).
const GROUPS: &[(&str, Option<usize>)] = &[
    ("Engineering", None),
    ("Firmware", Some(0)),
    ("Hardware", Some(0)),
    ("Sales", None),
    ("Customer Support", None),
    ("Operations", None),
    ("Contractors", Some(5)),
];

/// Group chats: display name, flags, topic, index of the group (in GROUPS) it is offered to.
const CHATS: &[(&str, u32, &str, Option<usize>)] = &[
    (
        "General",
        0x1f00,
        "Welcome to Kestrel Harbor! Stand-up notes are pinned in #ops.",
        None,
    ),
    (
        "Engineering",
        0x0100,
        "Tern-3 firmware freeze: Friday 17:00",
        Some(0),
    ),
    ("Sales Floor", 0, "Q4 pipeline review on Thursday", Some(3)),
    (
        "Support Escalations",
        0x0400,
        "P1 tickets only - page on-call for anything urgent",
        Some(4),
    ),
    (
        "Launch: Tern-3 Buoy",
        0x0800,
        "Launch checklist v7 - sea trial moved to the 14th",
        None,
    ),
];

const LINES: &[&str] = &[
    "Morning all - the sea-trial logs from last night are on the share.",
    "Did anyone else see the battery curve dip around 03:00?",
    "That's the heater cycling; it's expected below 4 \u{b0}C.",
    "Can we move the design review to 2pm?",
    "Works for me.",
    "The new enclosure samples arrived, they look great.",
    "Customer in Bergen asked about the Tern-3 lead time again.",
    "Quoted them six weeks, they were fine with it.",
    "Build 4.12.7 is on the staging buoys now.",
    "I'll pick up the RMA from Halifax this afternoon.",
    "Reminder: expense reports are due Friday.",
    "The GPS fix time dropped to 11 s with the new antenna. \u{1f389}",
    "Who has the spare Iridium modem?",
    "It's in the lab, second drawer on the left.",
    "Pushed the fix for the watchdog reset, please review.",
    "Looks good, merging after CI.",
    "Support queue is down to 9 open tickets.",
    "Nice work everyone!",
    "Anyone up for lunch at the harbour caf\u{e9}?",
    "Salinity sensor calibration is drifting on unit 0417 - flagging it.",
    "Let's ship the <beta> firmware to \"friendly\" customers first & watch the telemetry.",
    "Marketing wants photos of the buoy on the water by Tuesday.",
    "I'll be out Thursday, Tamsin is covering for me.",
    "PO for 200 solar panels is approved.",
    "The dashboard export now includes wave height.",
    "Can someone double-check the torque spec on the mooring shackle?",
    "Forecast says 3 m swell tomorrow, trial is still on.",
    "Thanks!",
    "On it.",
    "Meeting notes are in the wiki.",
];

/// Client platforms, versions and builds of the demo's devices: mostly current, a few behind
/// (an older version, or an older build of the current one), as in a real company.
const PLATFORMS: &[(&str, &str, &str)] = &[
    ("Windows", "6.5", "42"),
    ("Windows", "6.5", "42"),
    ("Windows", "6.4", "35"),
    ("Mac", "6.5", "17"),
    ("Mac", "6.5", "15"),
    ("iOS", "6.4", "311"),
    ("Android", "6.4", "288"),
    ("Android", "6.4", "288"),
    ("Android", "6.3", "240"),
    ("Web", "6.5", "9"),
];

const AWAY_MESSAGES: &[&str] = &[
    "In the lab",
    "At sea trial - back Thursday",
    "Lunch",
    "Heads down on firmware",
    "Customer call",
    "",
];

struct Person {
    id: i64,
    im: String,
    group_index: Option<usize>,
}

/// Fills a domain that has its root group and default policy with the demo company.
pub fn generate(
    c: &Connection,
    content: &Content,
    domain_id: i64,
    domain: &str,
    seed: u64,
    now_ms: i64,
) -> Result<()> {
    let mut rng = Rng::new(seed);
    let root = group::root(c, domain_id)?.unwrap_or(0);
    let default_policy = policy::list(c, domain_id)?
        .first()
        .map(|p| p.id)
        .unwrap_or(0);
    let eng_policy = policy::insert(
        c,
        domain_id,
        "Engineering",
        &STANDARD.encode(ENGINEERING_POLICY),
    )?;
    let ext_policy = policy::insert(
        c,
        domain_id,
        "Contractors",
        &STANDARD.encode(CONTRACTOR_POLICY),
    )?;

    // Groups, in a hierarchy under the root.
    let mut group_ids: Vec<i64> = Vec::new();
    for (i, (name, parent)) in GROUPS.iter().enumerate() {
        let parent_id = parent.map(|p| group_ids[p]).unwrap_or(root);
        let pol = match i {
            0..=2 => eng_policy,
            6 => ext_policy,
            _ => 0,
        };
        let slug: String = name
            .to_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let id = group::insert(
            c,
            domain_id,
            &GroupRow {
                id: 0,
                displayname: (*name).to_owned(),
                name: format!("{slug}.{domain}"),
                parent: parent_id,
                policy: pol,
                priority: i as i64,
                kind: 0,
            },
        )?;
        group_ids.push(id);
    }
    // Who sees whom: everyone sees the root; teams see their neighbours.
    let peers: &[(usize, usize)] = &[
        (0, 1),
        (0, 2),
        (1, 0),
        (2, 0),
        (1, 2),
        (3, 4),
        (4, 3),
        (4, 0),
        (5, 3),
        (6, 0),
        (6, 6),
    ];
    for g in &group_ids {
        group::add_peer(c, *g, root)?;
    }
    group::add_peer(c, root, root)?;
    for (a, b) in peers {
        group::add_peer(c, group_ids[*a], group_ids[*b])?;
    }

    // People.
    let now_s = now_ms / 1000;
    let mut people: Vec<Person> = Vec::new();
    let mut taken = std::collections::HashSet::new();
    for i in 0..40 {
        let first = FIRST[i % FIRST.len()];
        let last = *rng.pick(LAST);
        let mut local = format!("{}{}", first[..1].to_lowercase(), last.to_lowercase());
        while !taken.insert(local.clone()) {
            local.push_str(&(rng.below(9) + 1).to_string());
        }
        let group_index = match i {
            0..=2 => None,
            _ => Some(rng.below(GROUPS.len())),
        };
        let row = UserRow {
            id: 0,
            im: format!("{local}@{domain}"),
            displayname: format!("{first} {last}"),
            email: format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase()),
            group: group_index.map(|g| group_ids[g]).unwrap_or(root),
            policy: if i == 7 { default_policy } else { 0 },
            flags: if i == 13 || i == 29 { 0x1 } else { 0 },
            created_at: now_s - 86_400 * (30 + rng.below(700) as i64),
        };
        let id = user::insert(c, domain_id, &row, "demo")?;
        let avatar = picture::avatar(rng.next_u64())?;
        user::set_avatar(c, id, "image/png", &avatar)?;
        token::insert(
            c,
            domain_id,
            Some(&row.im),
            &crate::token::generate(),
            now_s,
        )?;
        people.push(Person {
            id,
            im: row.im,
            group_index,
        });
    }

    // Presence and devices.
    for p in &people {
        let status = *rng.pick(&[0u32, 1, 1, 1, 2, 2, 3, 4, 5]);
        let message = if status == 0 || status == 1 {
            ""
        } else {
            *rng.pick(AWAY_MESSAGES)
        };
        presence::put(c, p.id, status, message, now_s - rng.below(36_000) as i64)?;
        if status != 0 {
            for _ in 0..1 + rng.below(2) {
                let (platform, version, build) = *rng.pick(PLATFORMS);
                let octets = [
                    10,
                    40 + rng.below(4) as u8,
                    rng.below(255) as u8,
                    2 + rng.below(250) as u8,
                ];
                let host = format!("{}-{:04X}", platform.to_uppercase(), rng.below(0xffff));
                presence::add_device(
                    c,
                    &DeviceRow {
                        user_id: p.id,
                        ip: u32::from_le_bytes(octets),
                        name: host,
                        platform: platform.to_owned(),
                        version: version.to_owned(),
                        build: build.to_owned(),
                    },
                )?;
            }
        }
    }

    // Group chats with members, history and media.
    let six_weeks_ms = 6 * 7 * 86_400_000i64;
    let start_ms = now_ms - six_weeks_ms;
    for (ci, (name, flags, topic, offered)) in CHATS.iter().enumerate() {
        let hex: String = {
            use sha2::{Digest, Sha256};
            Sha256::digest(format!("{seed}\n{domain}\n{name}").as_bytes())
                .iter()
                .take(20)
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        let gc_name = format!("#{hex}@{domain}");
        let gc = groupchat::insert(c, domain_id, &gc_name, name, *flags, topic)?;
        if let Some(g) = offered {
            groupchat::add_group(c, gc, group_ids[*g])?;
        }
        let members: Vec<&Person> = people
            .iter()
            .filter(|p| match offered {
                None => ci == 0 || rng.chance(35),
                Some(g) => p.group_index == Some(*g) || rng.chance(10),
            })
            .collect();
        for (mi, m) in members.iter().enumerate() {
            let mflags = match mi {
                0 => 1,
                1 => 3,
                _ if rng.chance(15) => 2,
                _ => 0,
            };
            groupchat::put_member(c, gc, m.id, mflags)?;
        }
        if members.is_empty() {
            continue;
        }
        let count = 60 + rng.below(80);
        let conv = groupchat_conv(&gc_name);
        for t in business_times(&mut rng, start_ms, now_ms, count) {
            let from = rng.pick(&members).im.clone();
            let text = (*rng.pick(LINES)).to_owned();
            append(
                c,
                domain_id,
                &conv,
                Some(&gc_name),
                None,
                &MessageRow {
                    timestamp: t,
                    from,
                    text,
                },
            )?;
        }
        if ci < 3 {
            let (data, thumb, w, h) = picture::chart(rng.next_u64(), 960, 540)?;
            let up = Upload {
                size: data.len() as u64,
                m: content.put_bytes(&data)?,
                thumbnail: Some(thumb),
                name: format!("{} - weekly telemetry.png", name.replace(':', "")),
                kind: "image/png".into(),
                width: w,
                height: h,
            };
            store_upload(
                c,
                domain_id,
                &gc_name,
                &up,
                now_s - 86_400 * (1 + ci as i64),
            )?;
            let text =
                format!("Targets for {name}\n- ship Tern-3 to 12 customers\n- close 40 tickets\n");
            let up = Upload {
                size: text.len() as u64,
                m: content.put_bytes(text.as_bytes())?,
                thumbnail: None,
                name: "Goals.txt".into(),
                kind: "text/plain".into(),
                width: 0,
                height: 0,
            };
            store_upload(
                c,
                domain_id,
                &gc_name,
                &up,
                now_s - 86_400 * (3 + ci as i64),
            )?;
        }
    }

    // Direct conversations between colleagues.
    for _ in 0..14 {
        let a = rng.pick(&people).im.clone();
        let b = rng.pick(&people).im.clone();
        if a == b {
            continue;
        }
        let (conv, lo, hi) = pair_conv(&a, &b);
        let count = 8 + rng.below(20);
        for t in business_times(&mut rng, start_ms, now_ms, count) {
            let from = if rng.chance(50) { a.clone() } else { b.clone() };
            let text = (*rng.pick(LINES)).to_owned();
            append(
                c,
                domain_id,
                &conv,
                None,
                Some((&lo, &hi)),
                &MessageRow {
                    timestamp: t,
                    from,
                    text,
                },
            )?;
        }
    }

    // A few users' own media: photos from the sea trials.
    for (k, p) in people.iter().take(4).enumerate() {
        let (data, thumb, w, h) = picture::photo(rng.next_u64(), 1280, 800)?;
        let up = Upload {
            size: data.len() as u64,
            m: content.put_bytes(&data)?,
            thumbnail: Some(thumb),
            name: format!("sea-trial-{:02}.jpg", k + 1),
            kind: "image/jpeg".into(),
            width: w,
            height: h,
        };
        store_upload(c, domain_id, &p.im, &up, now_s - 3600 * (k as i64 + 2))?;
    }
    Ok(())
}

/// `count` sorted timestamps on weekdays between 08:00 and 18:00 UTC in `start..end`.
fn business_times(rng: &mut Rng, start_ms: i64, end_ms: i64, count: usize) -> Vec<i64> {
    let mut out = Vec::with_capacity(count);
    let span = (end_ms - start_ms).max(1) as u64;
    let mut guard = 0;
    while out.len() < count && guard < count * 50 {
        guard += 1;
        let t = start_ms + (rng.next_u64() % span) as i64;
        let day = t.div_euclid(86_400_000);
        let weekday = (day + 3).rem_euclid(7); // 0 = Monday (1970-01-01 was a Thursday)
        let hour = t.rem_euclid(86_400_000) / 3_600_000;
        if weekday < 5 && (8..18).contains(&hour) {
            out.push(t);
        }
    }
    out.sort_unstable();
    out
}
