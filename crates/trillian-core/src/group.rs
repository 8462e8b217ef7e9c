//! Groups of the active profile's domain: the tree (parent 0 = top level) with member counts,
//! create, edit, re-parent (cycles refused), delete (saying what becomes of the members), and the
//! directed peers edited as staged change sets (see [`peer`]).

pub mod peer;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::journal::JournalOutcome;
use crate::model::{Group, GroupUpdate, NewGroup, User, UserUpdate};
use crate::{Core, api};

pub use peer::{
    ChangeSet, PeerApplyReport, PeerMap, PeerOp, PeerPreview, Peering, peer_map, preview,
};

/// One group in the tree, with what the screens show about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupNode {
    pub id: u64,
    pub displayname: String,
    /// Internal name, unique in the domain.
    pub name: String,
    /// Parent id; 0 for a top-level group (or one whose parent does not exist).
    pub parent: u64,
    pub policy: u64,
    pub priority: i64,
    /// 1 when bound to an LDAP object.
    pub kind: u32,
    /// The groups whose members this group's members see (directed), ascending.
    pub peers: Vec<u64>,
    /// Users whose `group` is this one.
    pub members: usize,
    /// 0 for top level.
    pub depth: usize,
}

/// Every group, depth first (children under their parent, siblings by display name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupTree {
    pub groups: Vec<GroupNode>,
    /// Users whose group id names no group.
    pub users_without_group: usize,
}

impl GroupTree {
    /// Builds the tree from the server's groups (peers expanded) and users.
    pub fn build(groups: &[Group], users: &[User]) -> GroupTree {
        let ids: HashSet<u64> = groups.iter().map(|g| g.id).collect();
        let mut members: HashMap<u64, usize> = HashMap::new();
        let mut users_without_group = 0;
        for u in users {
            if ids.contains(&u.group) {
                *members.entry(u.group).or_default() += 1;
            } else {
                users_without_group += 1;
            }
        }
        // A parent that does not exist (or the group itself) makes a group top level.
        let parent_of = |g: &Group| {
            if g.parent != g.id && ids.contains(&g.parent) {
                g.parent
            } else {
                0
            }
        };
        let mut children: BTreeMap<u64, Vec<&Group>> = BTreeMap::new();
        for g in groups {
            children.entry(parent_of(g)).or_default().push(g);
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| {
                a.displayname
                    .to_lowercase()
                    .cmp(&b.displayname.to_lowercase())
                    .then(a.id.cmp(&b.id))
            });
        }
        let mut out = Vec::with_capacity(groups.len());
        let mut seen = HashSet::new();
        let mut stack: Vec<(u64, usize)> = children
            .get(&0)
            .map(|l| l.iter().rev().map(|g| (g.id, 0)).collect())
            .unwrap_or_default();
        let by_id: HashMap<u64, &Group> = groups.iter().map(|g| (g.id, g)).collect();
        let push = |out: &mut Vec<GroupNode>, g: &Group, depth: usize, parent: u64| {
            let mut peers = g.peers.clone();
            peers.sort_unstable();
            peers.dedup();
            out.push(GroupNode {
                id: g.id,
                displayname: g.displayname.clone(),
                name: g.name.clone(),
                parent,
                policy: g.policy,
                priority: g.priority,
                kind: g.kind,
                peers,
                members: members.get(&g.id).copied().unwrap_or(0),
                depth,
            });
        };
        while let Some((id, depth)) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let Some(g) = by_id.get(&id) else { continue };
            push(&mut out, g, depth, parent_of(g));
            if let Some(kids) = children.get(&id) {
                stack.extend(kids.iter().rev().map(|k| (k.id, depth + 1)));
            }
        }
        // Groups caught in a parent cycle on the server are never reached from the top: show
        // them at the top level rather than lose them.
        for g in groups {
            if !seen.contains(&g.id) {
                seen.insert(g.id);
                push(&mut out, g, 0, 0);
            }
        }
        GroupTree {
            groups: out,
            users_without_group,
        }
    }

    /// One group.
    pub fn get(&self, id: u64) -> Option<&GroupNode> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// The current peers of every group.
    pub fn peers(&self) -> PeerMap {
        self.groups
            .iter()
            .map(|g| (g.id, g.peers.iter().copied().collect::<BTreeSet<u64>>()))
            .collect()
    }

    /// Ids of every group under `id` (children, their children, …).
    pub fn descendants(&self, id: u64) -> BTreeSet<u64> {
        let mut out = BTreeSet::new();
        let mut stack = vec![id];
        while let Some(at) = stack.pop() {
            for g in &self.groups {
                if g.parent == at && g.id != id && out.insert(g.id) {
                    stack.push(g.id);
                }
            }
        }
        out
    }

    /// Why `id` cannot move under `parent`, if it cannot (itself, one of its own descendants,
    /// or an unknown group).
    pub fn reparent_problem(&self, id: u64, parent: u64) -> Option<String> {
        if parent == 0 {
            return None;
        }
        let name = |g: u64| {
            self.get(g)
                .map(|n| n.displayname.clone())
                .unwrap_or_else(|| format!("#{g}"))
        };
        if self.get(parent).is_none() {
            return Some(format!("there is no group {parent}"));
        }
        if parent == id {
            return Some(format!("{} cannot be its own parent", name(id)));
        }
        if self.descendants(id).contains(&parent) {
            return Some(format!(
                "{} is inside {}: moving {} under it would make a cycle",
                name(parent),
                name(id),
                name(id)
            ));
        }
        None
    }
}

/// What deleting a group would do, for the confirmation dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupDeletion {
    pub id: u64,
    pub displayname: String,
    /// Users in the group: the server refuses the delete while there are any, so they are
    /// moved to `move_members_to` first (or the delete is refused).
    pub members: usize,
    /// Child groups: they must be re-parented first.
    pub children: Vec<u64>,
    /// Groups that have this group as a peer (their members lose it from their lists).
    pub seen_by: Vec<u64>,
}

impl GroupDeletion {
    fn of(tree: &GroupTree, id: u64) -> Result<GroupDeletion> {
        let node = tree
            .get(id)
            .ok_or_else(|| Error::invalid("group", format!("there is no group {id}")))?;
        Ok(GroupDeletion {
            id,
            displayname: node.displayname.clone(),
            members: node.members,
            children: tree
                .groups
                .iter()
                .filter(|g| g.parent == id && g.id != id)
                .map(|g| g.id)
                .collect(),
            seen_by: tree
                .groups
                .iter()
                .filter(|g| g.id != id && g.peers.contains(&id))
                .map(|g| g.id)
                .collect(),
        })
    }
}

impl Core {
    /// Every group of the active profile's domain, as the server lists them.
    pub async fn groups(&self) -> Result<Vec<Group>> {
        let client = self.active_client().await?;
        Ok(client.groups().list(api::Expand::empty()).await?)
    }

    /// The group tree with peers and member counts (`GET groups/?peers=1` and the users).
    pub async fn group_tree(&self) -> Result<GroupTree> {
        let client = self.active_client().await?;
        let groups = client.groups();
        let users = client.users();
        let (groups, users) = tokio::try_join!(groups.list(api::Expand::PEERS), users.list())?;
        Ok(GroupTree::build(&groups, &users))
    }

    /// Creates a group. (The server starts a new group peered with every group, itself
    /// included; the answer carries those peers.)
    pub async fn create_group(&self, group: &NewGroup) -> Result<Group> {
        let result = async {
            if group.displayname.trim().is_empty() {
                return Err(Error::invalid(
                    "displayname",
                    "a group needs a display name",
                ));
            }
            if let Some(parent) = group.parent.filter(|p| *p != 0) {
                let tree = self.group_tree().await?;
                if tree.get(parent).is_none() {
                    return Err(Error::invalid(
                        "parent",
                        format!("there is no group {parent}"),
                    ));
                }
            }
            let client = self.active_client().await?;
            Ok(client.groups().create(group).await?)
        }
        .await;
        self.journal_group("group.create", &group.displayname, &result);
        result
    }

    /// Edits a group; a new parent that would put the group inside itself is refused.
    pub async fn update_group(&self, id: u64, update: &GroupUpdate) -> Result<Group> {
        let result = async {
            if let Some(parent) = update.parent {
                let tree = self.group_tree().await?;
                if let Some(problem) = tree.reparent_problem(id, parent) {
                    return Err(Error::invalid("parent", problem));
                }
            }
            let client = self.active_client().await?;
            Ok(client.groups().update(id, update).await?)
        }
        .await;
        self.journal_group("group.update", &id.to_string(), &result);
        result
    }

    /// What deleting the group would do (members, child groups, who loses it as a peer).
    pub async fn group_deletion(&self, id: u64) -> Result<GroupDeletion> {
        GroupDeletion::of(&self.group_tree().await?, id)
    }

    /// Deletes a group. Child groups must be re-parented first. Members (the server refuses
    /// to delete a group that has any) are moved to `move_members_to` first; without a target
    /// a group with members is refused, naming how many.
    pub async fn delete_group(
        &self,
        id: u64,
        move_members_to: Option<u64>,
    ) -> Result<GroupDeletion> {
        let result = self.delete_group_inner(id, move_members_to).await;
        self.journal_group("group.delete", &id.to_string(), &result);
        result
    }

    async fn delete_group_inner(&self, id: u64, move_to: Option<u64>) -> Result<GroupDeletion> {
        let tree = self.group_tree().await?;
        let plan = GroupDeletion::of(&tree, id)?;
        if !plan.children.is_empty() {
            let names: Vec<String> = plan
                .children
                .iter()
                .filter_map(|c| tree.get(*c).map(|g| g.displayname.clone()))
                .collect();
            return Err(Error::invalid(
                "group",
                format!(
                    "{} still contains {}: move or delete them first",
                    plan.displayname,
                    names.join(", ")
                ),
            ));
        }
        let client = self.active_client().await?;
        if plan.members > 0 {
            let target = match move_to {
                Some(t) if t == id => {
                    return Err(Error::invalid("group", "move the members to another group"));
                }
                Some(t) if tree.get(t).is_some() => t,
                Some(t) => return Err(Error::invalid("group", format!("there is no group {t}"))),
                None => {
                    return Err(Error::invalid(
                        "group",
                        format!(
                            "{} has {} member(s): choose a group to move them to",
                            plan.displayname, plan.members
                        ),
                    ));
                }
            };
            let users = client.users().list().await?;
            let update = UserUpdate {
                group: Some(target),
                ..UserUpdate::default()
            };
            for u in users.iter().filter(|u| u.group == id) {
                client.users().update(&u.name, &update).await?;
            }
        }
        client.groups().delete(id).await?;
        Ok(plan)
    }

    fn journal_group<T>(&self, action: &str, target: &str, result: &Result<T>) {
        let profile = self.active_profile().map(|p| p.id);
        self.inner.journal.record(
            profile.as_deref(),
            action,
            target,
            JournalOutcome::of(result),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: u64, name: &str, parent: u64, peers: &[u64]) -> Group {
        Group {
            id,
            displayname: name.into(),
            name: name.to_lowercase(),
            parent,
            peers: peers.to_vec(),
            ..Group::default()
        }
    }

    fn user(im: &str, group: u64) -> User {
        User {
            name: im.into(),
            group,
            ..User::default()
        }
    }

    #[test]
    fn tree_is_depth_first_with_member_counts() {
        let groups = [
            group(1, "Company", 0, &[1]),
            group(3, "Sales", 1, &[3, 1]),
            group(2, "Engineering", 1, &[]),
            group(4, "Backend", 2, &[]),
            group(5, "Lost", 99, &[]),
        ];
        let users = [
            user("a@x", 3),
            user("b@x", 3),
            user("c@x", 4),
            user("d@x", 42),
        ];
        let tree = GroupTree::build(&groups, &users);
        let order: Vec<(u64, usize)> = tree.groups.iter().map(|g| (g.id, g.depth)).collect();
        assert_eq!(
            order,
            [(1, 0), (2, 1), (4, 2), (3, 1), (5, 0)],
            "children under parents, siblings by name, unknown parent at the top"
        );
        assert_eq!(tree.get(3).map(|g| g.members), Some(2));
        assert_eq!(tree.get(3).map(|g| g.peers.clone()), Some(vec![1, 3]));
        assert_eq!(
            tree.get(5).map(|g| g.parent),
            Some(0),
            "unknown parent shown as none"
        );
        assert_eq!(tree.users_without_group, 1);
    }

    #[test]
    fn a_parent_cycle_on_the_server_loses_no_group() {
        let groups = [
            group(1, "A", 2, &[]),
            group(2, "B", 1, &[]),
            group(3, "C", 0, &[]),
        ];
        let tree = GroupTree::build(&groups, &[]);
        assert_eq!(tree.groups.len(), 3, "every group shown");
    }

    #[test]
    fn reparenting_into_itself_is_refused() {
        let groups = [
            group(1, "Company", 0, &[]),
            group(2, "Engineering", 1, &[]),
            group(4, "Backend", 2, &[]),
            group(6, "Other", 0, &[]),
        ];
        let tree = GroupTree::build(&groups, &[]);
        assert!(tree.reparent_problem(2, 2).is_some(), "own parent");
        let msg = tree.reparent_problem(1, 4).unwrap_or_default();
        assert!(msg.contains("cycle") && msg.contains("Backend"), "{msg}");
        assert!(tree.reparent_problem(4, 6).is_none(), "a sideways move");
        assert!(tree.reparent_problem(4, 0).is_none(), "to the top");
        assert!(tree.reparent_problem(4, 77).is_some(), "unknown parent");
    }

    #[test]
    fn deletion_says_who_is_affected() {
        let groups = [
            group(1, "Company", 0, &[1, 2]),
            group(2, "Engineering", 1, &[2]),
            group(4, "Backend", 2, &[2]),
        ];
        let users = [user("a@x", 2), user("b@x", 2)];
        let tree = GroupTree::build(&groups, &users);
        let d = GroupDeletion::of(&tree, 2).expect("known group");
        assert_eq!(d.members, 2);
        assert_eq!(d.children, [4]);
        assert_eq!(
            d.seen_by,
            [1, 4],
            "groups that peer with it, itself left out"
        );
        assert!(GroupDeletion::of(&tree, 9).is_err());
    }
}
