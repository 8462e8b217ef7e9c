//! The user list kept in memory per profile: decoded once, then searched, filtered, sorted and
//! paged here, so that the web view only ever receives the rows it shows.
//!
//! Each column's sort order is computed once (lazily) and kept until the list changes; a query
//! is then one pass over that order with the filters, so searching, filtering and re-sorting
//! 100,000 users costs a few milliseconds and scrolling is a slice of the last answer.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{Group, Policy, Presence, PresenceStatus, User};

/// One user as the users screen shows it: ids resolved to names, presence status attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRow {
    /// IM address, `name@domain`.
    pub address: String,
    pub display_name: String,
    pub email: String,
    /// Group id (0 when none).
    pub group: u64,
    /// The group's name (`#id` when the group is unknown).
    pub group_name: String,
    /// Policy id (0 = inherit from the group).
    pub policy: u64,
    /// The policy's name, empty when inherited, `#id` when unknown.
    pub policy_name: String,
    pub disabled: bool,
    /// Every flag bit, as the server sent them.
    pub flags: u32,
    /// Presence status number (0 offline when the user has no presence entry).
    pub status: u32,
    /// The status as a word (the number itself when unknown).
    pub status_label: String,
    /// Unix seconds.
    pub created_at: u64,
}

/// A column of the users table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UserColumn {
    #[default]
    Address,
    DisplayName,
    Email,
    Group,
    Policy,
    Disabled,
    Status,
    Created,
}

impl UserColumn {
    /// Every column, in the default display order.
    pub const ALL: [UserColumn; 8] = [
        UserColumn::Address,
        UserColumn::DisplayName,
        UserColumn::Email,
        UserColumn::Group,
        UserColumn::Policy,
        UserColumn::Disabled,
        UserColumn::Status,
        UserColumn::Created,
    ];
}

/// Case-insensitive order for text columns, exact bytes as the tie-break.
fn text_order(a: &str, b: &str) -> Ordering {
    let folded = a
        .chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase));
    folded.then_with(|| a.cmp(b))
}

/// What the users screen asks for: search, filters, order and the window of rows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserQuery {
    /// Case-insensitive substring of address, display name, email, group or policy name.
    pub search: String,
    pub sort: UserColumn,
    pub descending: bool,
    /// Only users of this group.
    pub group: Option<u64>,
    /// Only users with this policy id (0 = inherited).
    pub policy: Option<u64>,
    /// Only disabled (`true`) or only enabled (`false`) users.
    pub disabled: Option<bool>,
    /// Only users with this presence status.
    pub status: Option<u32>,
    /// First row of the window.
    pub offset: usize,
    /// Rows in the window (capped at [`MAX_PAGE`]).
    pub limit: usize,
}

/// The most rows one page carries.
pub const MAX_PAGE: usize = 1_000;

impl UserQuery {
    fn matches(&self, entry: &Entry, needle: &str) -> bool {
        let row = &entry.row;
        self.group.is_none_or(|g| row.group == g)
            && self.policy.is_none_or(|p| row.policy == p)
            && self.disabled.is_none_or(|d| row.disabled == d)
            && self.status.is_none_or(|s| row.status == s)
            && (needle.is_empty() || entry.haystack.contains(needle))
    }

    /// The part of the query that decides which rows, in which order (not the window).
    fn selection(&self) -> Selection {
        Selection {
            search: self.search.trim().to_lowercase(),
            sort: self.sort,
            descending: self.descending,
            group: self.group,
            policy: self.policy,
            disabled: self.disabled,
            status: self.status,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Selection {
    search: String,
    sort: UserColumn,
    descending: bool,
    group: Option<u64>,
    policy: Option<u64>,
    disabled: Option<bool>,
    status: Option<u32>,
}

/// One window of the filtered, sorted list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsersPage {
    /// Users matching the search and filters.
    pub total: usize,
    /// Users in the list before searching and filtering.
    pub all: usize,
    /// The first row's position in the filtered list.
    pub offset: usize,
    pub rows: Vec<UserRow>,
}

/// A group or policy to filter by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Choice {
    pub id: u64,
    pub name: String,
    /// Users with this group/policy.
    pub users: usize,
}

/// What the filters can choose from, with counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserFacets {
    pub all: usize,
    pub groups: Vec<Choice>,
    pub policies: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub disabled: usize,
}

struct Entry {
    row: UserRow,
    /// Lowercase text columns joined by U+0001, for search; also the sort keys.
    haystack: String,
    /// Where each text column's lowercase form sits in `haystack` (see [`TEXT`]).
    spans: [(u32, u32); 5],
}

/// The text columns, in `haystack` order.
const TEXT: [UserColumn; 5] = [
    UserColumn::Address,
    UserColumn::DisplayName,
    UserColumn::Email,
    UserColumn::Group,
    UserColumn::Policy,
];

fn text_of(row: &UserRow, i: usize) -> &str {
    match i {
        0 => &row.address,
        1 => &row.display_name,
        2 => &row.email,
        3 => &row.group_name,
        _ => &row.policy_name,
    }
}

impl Entry {
    fn new(row: UserRow) -> Entry {
        let mut haystack = String::new();
        let mut spans = [(0u32, 0u32); 5];
        for (i, span) in spans.iter_mut().enumerate() {
            if i > 0 {
                haystack.push('\u{1}');
            }
            let start = haystack.len();
            haystack.extend(text_of(&row, i).chars().flat_map(char::to_lowercase));
            let end = haystack.len();
            *span = (
                u32::try_from(start).unwrap_or(u32::MAX),
                u32::try_from(end).unwrap_or(u32::MAX),
            );
        }
        Entry {
            row,
            haystack,
            spans,
        }
    }

    /// The lowercase form of text column `i`.
    fn key(&self, i: usize) -> &str {
        let (start, end) = self.spans.get(i).copied().unwrap_or_default();
        self.haystack
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    /// Case-insensitive order of text column `i`, exact text as the tie-break.
    fn text_cmp(&self, other: &Entry, i: usize) -> Ordering {
        self.key(i)
            .cmp(other.key(i))
            .then_with(|| text_of(&self.row, i).cmp(text_of(&other.row, i)))
    }

    fn compare(&self, other: &Entry, column: UserColumn) -> Ordering {
        let (a, b) = (&self.row, &other.row);
        let primary = match column {
            UserColumn::Disabled => a.disabled.cmp(&b.disabled),
            UserColumn::Status => a.status.cmp(&b.status),
            UserColumn::Created => a.created_at.cmp(&b.created_at),
            UserColumn::Address => Ordering::Equal,
            text => TEXT
                .iter()
                .position(|&c| c == text)
                .map_or(Ordering::Equal, |i| self.text_cmp(other, i)),
        };
        // Ties (and the address column itself) are ordered by address, which is unique.
        primary.then_with(|| self.text_cmp(other, 0))
    }
}

/// The status as a word (DECISIONS.md), or the number itself when unknown.
pub fn status_word(code: u32) -> String {
    match PresenceStatus::from_code(code) {
        PresenceStatus::Unknown(n) => n.to_string(),
        known => known.label().to_owned(),
    }
}

/// One profile's users in memory.
pub struct Table {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
    groups: HashMap<u64, String>,
    /// Groups by their internal name (`sales.example.com`), lower case: a CSV may name them so.
    group_names: HashMap<String, u64>,
    policies: HashMap<u64, String>,
    /// Per column, the ascending order of `entries` (positions), computed on first use.
    orders: HashMap<UserColumn, Arc<Vec<u32>>>,
    /// The last selection and its rows (positions), so scrolling is a slice.
    last: Option<(Selection, Arc<Vec<u32>>)>,
}

impl Table {
    /// Builds the table from the server's lists.
    pub fn new(
        users: Vec<User>,
        groups: &[Group],
        policies: &[Policy],
        presence: &[Presence],
    ) -> Table {
        let group_names: HashMap<String, u64> = groups
            .iter()
            .map(|g| (g.name.to_lowercase(), g.id))
            .collect();
        let groups: HashMap<u64, String> = groups
            .iter()
            .map(|g| (g.id, g.displayname.clone()))
            .collect();
        let policies: HashMap<u64, String> =
            policies.iter().map(|p| (p.id, p.name.clone())).collect();
        let status: HashMap<&str, u32> = presence
            .iter()
            .map(|p| (p.name.as_str(), p.status.code()))
            .collect();
        let mut table = Table {
            entries: Vec::with_capacity(users.len()),
            index: HashMap::with_capacity(users.len()),
            groups,
            group_names,
            policies,
            orders: HashMap::new(),
            last: None,
        };
        for user in users {
            let s = status.get(user.name.as_str()).copied().unwrap_or(0);
            let row = table.row_of(&user, s);
            table.push(row);
        }
        table
    }

    fn push(&mut self, row: UserRow) {
        self.index.insert(row.address.clone(), self.entries.len());
        self.entries.push(Entry::new(row));
    }

    /// The row for `user`, with names resolved through this table's groups and policies.
    pub fn row_of(&self, user: &User, status: u32) -> UserRow {
        UserRow {
            address: user.name.clone(),
            display_name: user.displayname.clone(),
            email: user.email.clone(),
            group: user.group,
            group_name: name_of(&self.groups, user.group),
            policy: user.policy,
            policy_name: name_of(&self.policies, user.policy),
            disabled: user.is_disabled(),
            flags: user.flags.bits(),
            status,
            status_label: status_word(status),
            created_at: user.created_at,
        }
    }

    /// How many users.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// One user's row.
    pub fn get(&self, address: &str) -> Option<&UserRow> {
        self.index
            .get(address)
            .and_then(|&i| self.entries.get(i))
            .map(|e| &e.row)
    }

    /// Whether a user with this address (compared case-insensitively) is in the list.
    pub fn contains(&self, address: &str) -> bool {
        self.index.contains_key(address)
            || self
                .entries
                .iter()
                .any(|e| e.row.address.eq_ignore_ascii_case(address))
    }

    /// Adds or replaces a user (after a create or an update), keeping its presence status.
    pub fn upsert(&mut self, user: &User) -> UserRow {
        let status = self.get(&user.name).map_or(0, |r| r.status);
        let row = self.row_of(user, status);
        match self.index.get(&user.name) {
            Some(&i) => {
                if let Some(entry) = self.entries.get_mut(i) {
                    *entry = Entry::new(row.clone());
                }
            }
            None => self.push(row.clone()),
        }
        self.changed();
        row
    }

    /// Removes a user (after a delete).
    pub fn remove(&mut self, address: &str) {
        if let Some(i) = self.index.remove(address) {
            self.entries.swap_remove(i);
            if let Some(moved) = self.entries.get(i) {
                self.index.insert(moved.row.address.clone(), i);
            }
            self.changed();
        }
    }

    /// Sets a user's presence status (after a presence change).
    pub fn set_status(&mut self, address: &str, status: u32) {
        if let Some(&i) = self.index.get(address)
            && let Some(entry) = self.entries.get_mut(i)
        {
            entry.row.status = status;
            entry.row.status_label = status_word(status);
            self.changed();
        }
    }

    fn changed(&mut self) {
        self.orders.clear();
        self.last = None;
    }

    fn order(&mut self, column: UserColumn) -> Arc<Vec<u32>> {
        if let Some(order) = self.orders.get(&column) {
            return order.clone();
        }
        let entries = &self.entries;
        let mut order: Vec<u32> = (0..entries.len())
            .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        order.sort_unstable_by(
            |&a, &b| match (entries.get(a as usize), entries.get(b as usize)) {
                (Some(a), Some(b)) => a.compare(b, column),
                _ => Ordering::Equal,
            },
        );
        let order = Arc::new(order);
        self.orders.insert(column, order.clone());
        order
    }

    /// The positions of the rows `query` selects, in its order.
    fn select(&mut self, query: &UserQuery) -> Arc<Vec<u32>> {
        let selection = query.selection();
        if let Some((last, rows)) = &self.last
            && *last == selection
        {
            return rows.clone();
        }
        let order = self.order(selection.sort);
        let needle = selection.search.as_str();
        let pick = |&&i: &&u32| {
            self.entries
                .get(i as usize)
                .is_some_and(|e| query.matches(e, needle))
        };
        let rows: Vec<u32> = if selection.descending {
            order.iter().rev().filter(pick).copied().collect()
        } else {
            order.iter().filter(pick).copied().collect()
        };
        let rows = Arc::new(rows);
        self.last = Some((selection, rows.clone()));
        rows
    }

    /// One window of the searched, filtered, sorted list.
    pub fn page(&mut self, query: &UserQuery) -> UsersPage {
        let selected = self.select(query);
        let limit = query.limit.min(MAX_PAGE);
        let offset = query.offset.min(selected.len());
        let end = offset.saturating_add(limit).min(selected.len());
        let rows = selected
            .get(offset..end)
            .unwrap_or_default()
            .iter()
            .filter_map(|&i| self.entries.get(i as usize).map(|e| e.row.clone()))
            .collect();
        UsersPage {
            total: selected.len(),
            all: self.entries.len(),
            offset,
            rows,
        }
    }

    /// Every row `query` selects (its window ignored), in its order.
    pub fn selected_rows(&mut self, query: &UserQuery) -> Vec<UserRow> {
        let selected = self.select(query);
        selected
            .iter()
            .filter_map(|&i| self.entries.get(i as usize).map(|e| e.row.clone()))
            .collect()
    }

    /// What the filters can offer.
    pub fn facets(&self) -> UserFacets {
        let mut groups: HashMap<u64, usize> = self.groups.keys().map(|&id| (id, 0)).collect();
        let mut policies: HashMap<u64, usize> = self.policies.keys().map(|&id| (id, 0)).collect();
        policies.entry(0).or_default();
        let mut statuses: HashMap<u32, usize> = (0..=5).map(|s| (s, 0)).collect();
        let mut disabled = 0;
        for e in &self.entries {
            *groups.entry(e.row.group).or_default() += 1;
            *policies.entry(e.row.policy).or_default() += 1;
            *statuses.entry(e.row.status).or_default() += 1;
            disabled += usize::from(e.row.disabled);
        }
        let named = |map: HashMap<u64, usize>, names: &HashMap<u64, String>, zero: &str| {
            let mut list: Vec<Choice> = map
                .into_iter()
                .map(|(id, users)| Choice {
                    id,
                    name: if id == 0 {
                        zero.to_owned()
                    } else {
                        name_of(names, id)
                    },
                    users,
                })
                .collect();
            list.sort_by(|a, b| text_order(&a.name, &b.name).then(a.id.cmp(&b.id)));
            list
        };
        let mut statuses: Vec<Choice> = statuses
            .into_iter()
            .map(|(s, users)| Choice {
                id: u64::from(s),
                name: status_word(s),
                users,
            })
            .collect();
        statuses.sort_by_key(|c| c.id);
        UserFacets {
            all: self.entries.len(),
            groups: named(groups, &self.groups, "(no group)"),
            policies: named(policies, &self.policies, "Inherited from the group"),
            statuses,
            disabled,
        }
    }

    /// The group's id for a display name, an internal name or an id written as digits (CSV
    /// import).
    pub fn group_id(&self, name_or_id: &str) -> Option<u64> {
        lookup_id(&self.groups, name_or_id).or_else(|| {
            self.group_names
                .get(&name_or_id.trim().to_lowercase())
                .copied()
        })
    }

    /// The policy's id for a name or an id written as digits (CSV import).
    pub fn policy_id(&self, name_or_id: &str) -> Option<u64> {
        lookup_id(&self.policies, name_or_id)
    }
}

fn lookup_id(names: &HashMap<u64, String>, name_or_id: &str) -> Option<u64> {
    let wanted = name_or_id.trim();
    if let Ok(id) = wanted.parse::<u64>() {
        return (id == 0 || names.contains_key(&id)).then_some(id);
    }
    names
        .iter()
        .filter(|(_, name)| name.eq_ignore_ascii_case(wanted))
        .map(|(&id, _)| id)
        .min()
}

fn name_of(names: &HashMap<u64, String>, id: u64) -> String {
    match id {
        0 => String::new(),
        id => names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UserFlags;

    fn user(name: &str, display: &str, group: u64, disabled: bool, created: u64) -> User {
        User {
            name: format!("{name}@acme.example"),
            displayname: display.into(),
            email: format!("{name}@mail.example"),
            group,
            flags: if disabled {
                UserFlags::DISABLED
            } else {
                UserFlags::empty()
            },
            created_at: created,
            ..User::default()
        }
    }

    fn table() -> Table {
        let groups = [
            Group {
                id: 1,
                displayname: "Sales".into(),
                name: "sales.acme.example".into(),
                ..Group::default()
            },
            Group {
                id: 2,
                displayname: "engineering".into(),
                ..Group::default()
            },
        ];
        let presence = [
            Presence {
                name: "bob@acme.example".into(),
                status: PresenceStatus::Away,
                ..Presence::default()
            },
            Presence {
                name: "cy@acme.example".into(),
                status: PresenceStatus::Unknown(9),
                ..Presence::default()
            },
        ];
        Table::new(
            vec![
                user("cy", "Cy Young", 2, false, 30),
                user("ann", "ann Lee", 1, true, 10),
                user("bob", "Bob Marsh", 7, false, 20),
            ],
            &groups,
            &[],
            &presence,
        )
    }

    fn addresses(page: &UsersPage) -> Vec<&str> {
        page.rows
            .iter()
            .map(|r| r.address.split('@').next().unwrap_or(""))
            .collect()
    }

    fn q() -> UserQuery {
        UserQuery {
            limit: 50,
            ..UserQuery::default()
        }
    }

    #[test]
    fn sorts_by_any_column_both_ways() {
        let mut t = table();
        assert_eq!(addresses(&t.page(&q())), ["ann", "bob", "cy"]);
        let by_name = UserQuery {
            sort: UserColumn::DisplayName,
            ..q()
        };
        assert_eq!(
            addresses(&t.page(&by_name)),
            ["ann", "bob", "cy"],
            "case-insensitive"
        );
        let by_group = UserQuery {
            sort: UserColumn::Group,
            ..q()
        };
        assert_eq!(
            addresses(&t.page(&by_group)),
            ["bob", "cy", "ann"],
            "#7 < engineering < Sales"
        );
        let newest = UserQuery {
            sort: UserColumn::Created,
            descending: true,
            ..q()
        };
        assert_eq!(addresses(&t.page(&newest)), ["cy", "bob", "ann"]);
        let status = UserQuery {
            sort: UserColumn::Status,
            ..q()
        };
        assert_eq!(
            addresses(&t.page(&status)),
            ["ann", "bob", "cy"],
            "0 < 2 < 9"
        );
    }

    #[test]
    fn searches_text_columns_and_filters() {
        let mut t = table();
        let search = UserQuery {
            search: " SALES ".into(),
            ..q()
        };
        assert_eq!(
            addresses(&t.page(&search)),
            ["ann"],
            "group name is searched"
        );
        let mail = UserQuery {
            search: "bob@mail".into(),
            ..q()
        };
        assert_eq!(addresses(&t.page(&mail)), ["bob"]);
        let disabled = UserQuery {
            disabled: Some(false),
            ..q()
        };
        assert_eq!(addresses(&t.page(&disabled)), ["bob", "cy"]);
        let away = UserQuery {
            status: Some(2),
            ..q()
        };
        assert_eq!(addresses(&t.page(&away)), ["bob"]);
        let group = UserQuery {
            group: Some(2),
            ..q()
        };
        let page = t.page(&group);
        assert_eq!((page.total, page.all), (1, 3));
        assert_eq!(page.rows[0].group_name, "engineering");
        assert_eq!(page.rows[0].status_label, "9", "unknown status shown raw");
        let none = UserQuery {
            search: "zzz".into(),
            ..q()
        };
        assert_eq!(t.page(&none).total, 0);
    }

    #[test]
    fn pages_are_windows_and_changes_are_seen() {
        let mut t = table();
        let window = UserQuery {
            offset: 1,
            limit: 1,
            ..q()
        };
        let page = t.page(&window);
        assert_eq!((page.total, page.offset), (3, 1));
        assert_eq!(addresses(&page), ["bob"]);
        let past = UserQuery { offset: 10, ..q() };
        assert!(
            t.page(&past).rows.is_empty(),
            "an offset past the end is an empty page"
        );

        t.upsert(&user("abe", "Abe", 1, false, 5));
        assert_eq!(
            addresses(&t.page(&q())),
            ["abe", "ann", "bob", "cy"],
            "a new user sorted in"
        );
        t.remove("ann@acme.example");
        assert_eq!(addresses(&t.page(&q())), ["abe", "bob", "cy"]);
        assert!(
            t.get("cy@acme.example").is_some(),
            "index fixed after swap_remove"
        );
        t.set_status("abe@acme.example", 1);
        let online = UserQuery {
            status: Some(1),
            ..q()
        };
        assert_eq!(addresses(&t.page(&online)), ["abe"]);
    }

    #[test]
    fn facets_count_and_ids_resolve() {
        let t = table();
        let f = t.facets();
        assert_eq!(f.all, 3);
        assert_eq!(f.disabled, 1);
        let sales = f.groups.iter().find(|g| g.id == 1).map(|g| g.users);
        assert_eq!(sales, Some(1));
        assert!(
            f.groups.iter().any(|g| g.id == 7 && g.name == "#7"),
            "unknown group listed"
        );
        assert!(f.statuses.iter().any(|s| s.id == 9 && s.users == 1));
        assert_eq!(t.group_id("SALES"), Some(1));
        assert_eq!(t.group_id("2"), Some(2));
        assert_eq!(
            t.group_id("Sales.Acme.Example"),
            Some(1),
            "by internal name"
        );
        assert_eq!(t.group_id("Nope"), None);
        assert_eq!(t.group_id("99"), None);
    }

    #[test]
    fn a_hundred_thousand_users_answer_quickly() {
        let users: Vec<User> = (0..100_000)
            .map(|i| {
                user(
                    &format!("u{i:06}"),
                    &format!("User {}", 100_000 - i),
                    i % 5,
                    i % 7 == 0,
                    i,
                )
            })
            .collect();
        let mut t = Table::new(users, &[], &[], &[]);
        let started = std::time::Instant::now();
        let page = t.page(&UserQuery {
            sort: UserColumn::DisplayName,
            descending: true,
            ..q()
        });
        assert_eq!(page.total, 100_000);
        let searched = t.page(&UserQuery {
            search: "user 99".into(),
            disabled: Some(false),
            ..q()
        });
        assert!(searched.total > 0);
        // Debug builds are slow; this only guards against something quadratic.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
    }
}
