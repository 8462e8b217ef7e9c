// Peers as a graph: groups are nodes, peerings directed edges (`group` → `peer`: the group's
// members see the peer's). The server's peerings and the staged edits of the one PeerStage are
// mapped to plain element descriptions; the graph view draws them and stages its edits through
// the same PeerStage the matrix uses.
import type { GroupView } from '$lib/ipc';
import type { PeerStage } from './peers.svelte';

/** What an edge is: on the server and unchanged, staged to be added, or staged to be removed. */
export type EdgeState = 'kept' | 'add' | 'remove';

export type GraphNode = {
  /** Element id, `g<group id>`. */
  id: string;
  group: number;
  label: string;
  depth: number;
  /** Label width estimate in pixels (the node's width follows it). */
  width: number;
};

export type GraphEdge = {
  /** Element id, `p<group>-<peer>`. */
  id: string;
  source: string;
  target: string;
  group: number;
  peer: number;
  state: EdgeState;
  /** A group that sees its own members (drawn as a loop). */
  self: boolean;
};

export const nodeId = (group: number) => `g${group}`;
export const edgeId = (group: number, peer: number) => `p${group}-${peer}`;

/** Parses an edge id back to its peering; null for anything else. */
export function peeringOf(id: string): { group: number; peer: number } | null {
  const m = /^p(\d+)-(\d+)$/.exec(id);
  return m ? { group: Number(m[1]), peer: Number(m[2]) } : null;
}

/**
 * The nodes and edges for the groups and the stage: every server peering (marked `remove` when
 * staged for removal) and every staged addition. Edges to groups that are not in `groups` are
 * left out (they could not be drawn). Ordered by group, then peer, for a stable drawing.
 */
export function graphOf(groups: GroupView[], stage: PeerStage): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const known = new Set(groups.map((g) => g.id));
  const nodes = groups.map((g) => ({
    id: nodeId(g.id),
    group: g.id,
    label: g.displayName,
    depth: g.depth,
    width: Math.max(60, Math.min(220, 24 + 8 * g.displayName.length)),
  }));
  const pairs = new Map<string, { group: number; peer: number }>();
  for (const g of groups) for (const p of g.peers) pairs.set(edgeId(g.id, p), { group: g.id, peer: p });
  const { add, remove } = stage.changes();
  for (const p of [...add, ...remove]) pairs.set(edgeId(p.group, p.peer), p);
  const edges: GraphEdge[] = [];
  for (const [id, { group, peer }] of pairs) {
    if (!known.has(group) || !known.has(peer)) continue;
    const state: EdgeState = stage.isStaged(group, peer)
      ? stage.sees(group, peer)
        ? 'add'
        : 'remove'
      : 'kept';
    edges.push({ id, source: nodeId(group), target: nodeId(peer), group, peer, state, self: group === peer });
  }
  edges.sort((a, b) => a.group - b.group || a.peer - b.peer);
  return { nodes, edges };
}

/** What a drag from `from` to `to` stages: the peering, unless it is already there (then nothing). */
export function stageDrop(stage: PeerStage, from: number, to: number): boolean {
  if (stage.sees(from, to)) return false;
  stage.set(from, to, true);
  return true;
}

/**
 * Delete on an edge: a server peering is staged for removal, a staged addition is unstaged, and
 * a peering already staged for removal is kept after all (Delete again restores it).
 */
export function stageDelete(stage: PeerStage, edge: string): boolean {
  const p = peeringOf(edge);
  if (!p) return false;
  stage.toggle(p.group, p.peer);
  return true;
}

/**
 * Positions for a layered drawing along the group tree: one row per depth, each parent centred
 * over its children, top-level groups side by side. Groups whose parent is unknown are roots.
 */
export function treePositions(
  groups: GroupView[],
  gapX = 170,
  gapY = 120,
): Map<number, { x: number; y: number }> {
  const known = new Set(groups.map((g) => g.id));
  const children = new Map<number, GroupView[]>();
  const roots: GroupView[] = [];
  for (const g of groups) {
    if (g.parent !== 0 && g.parent !== g.id && known.has(g.parent)) {
      const list = children.get(g.parent) ?? [];
      list.push(g);
      children.set(g.parent, list);
    } else roots.push(g);
  }
  const out = new Map<number, { x: number; y: number }>();
  let nextLeaf = 0;
  const place = (g: GroupView, level: number): number => {
    if (out.has(g.id)) return out.get(g.id)!.x;
    out.set(g.id, { x: 0, y: level * gapY }); // guards against a cycle in bad data
    const kids = children.get(g.id) ?? [];
    let x: number;
    if (kids.length === 0) x = nextLeaf++ * gapX;
    else {
      const xs = kids.map((k) => place(k, level + 1));
      x = (Math.min(...xs) + Math.max(...xs)) / 2;
    }
    out.set(g.id, { x, y: level * gapY });
    return x;
  };
  for (const r of roots) place(r, 0);
  // Groups only reachable through a cycle of parents.
  for (const g of groups) if (!out.has(g.id)) place(g, 0);
  return out;
}
