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
 * Positions for a force-directed drawing (Fruchterman–Reingold): groups repel each other,
 * peerings pull their two groups together. Deterministic — it starts from a circle in the given
 * order, so the same groups are drawn the same way every time — and spread wider than tall, as
 * the node boxes are. `gap` is the distance two connected groups settle at.
 */
export function forcePositions(
  ids: number[],
  links: Array<[number, number]>,
  gap = 170,
  iterations = 400,
): Map<number, { x: number; y: number }> {
  const n = ids.length;
  const index = new Map(ids.map((id, i) => [id, i]));
  const radius = Math.max(gap, (n * gap) / (2 * Math.PI)) / 2;
  const xs = ids.map((_, i) => radius * Math.cos((2 * Math.PI * i) / Math.max(n, 1)));
  const ys = ids.map((_, i) => radius * Math.sin((2 * Math.PI * i) / Math.max(n, 1)));
  const pairs: Array<[number, number]> = [];
  const seen = new Set<string>();
  for (const [a, b] of links) {
    const i = index.get(a);
    const j = index.get(b);
    if (i === undefined || j === undefined || i === j) continue;
    const key = i < j ? `${i}-${j}` : `${j}-${i}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push([i, j]);
  }
  const k = gap;
  for (let step = 0; step < iterations; step++) {
    const heat = (radius / 2) * (1 - step / iterations) + 1;
    const dx = new Array<number>(n).fill(0);
    const dy = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let vx = xs[i] - xs[j];
        let vy = ys[i] - ys[j];
        let d = Math.hypot(vx, vy);
        if (d < 0.01) {
          vx = 0.01 * (i - j);
          vy = 0.01;
          d = Math.hypot(vx, vy);
        }
        const f = (k * k) / d;
        dx[i] += (vx / d) * f;
        dy[i] += (vy / d) * f;
        dx[j] -= (vx / d) * f;
        dy[j] -= (vy / d) * f;
      }
    }
    for (const [i, j] of pairs) {
      const vx = xs[i] - xs[j];
      const vy = ys[i] - ys[j];
      const d = Math.max(Math.hypot(vx, vy), 0.01);
      const f = (d * d) / k / 2;
      dx[i] -= (vx / d) * f;
      dy[i] -= (vy / d) * f;
      dx[j] += (vx / d) * f;
      dy[j] += (vy / d) * f;
    }
    for (let i = 0; i < n; i++) {
      // A little gravity keeps unconnected groups from drifting off.
      dx[i] -= xs[i] * 0.05;
      dy[i] -= ys[i] * 0.05;
      const d = Math.hypot(dx[i], dy[i]);
      if (d > 0) {
        const move = Math.min(d, heat);
        xs[i] += (dx[i] / d) * move;
        ys[i] += (dy[i] / d) * move;
      }
    }
  }
  const out = new Map<number, { x: number; y: number }>();
  // Node boxes are about four times wider than tall: stretch the drawing sideways.
  ids.forEach((id, i) => out.set(id, { x: Math.round(xs[i] * 1.4), y: Math.round(ys[i] * 0.8) }));
  return out;
}

/**
 * Positions for a layered drawing along the group tree: one row per depth, each parent centred
 * over its children (more than `maxPerRow` leaf children wrap into rows), top-level groups side
 * by side. Groups whose parent is unknown are roots.
 */
export function treePositions(
  groups: GroupView[],
  gapX = 170,
  gapY = 120,
  maxPerRow = 6,
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
      // Many leaf children go into rows of `maxPerRow` beside the subtrees, not one endless row.
      const leaves = kids.filter((k) => !children.get(k.id)?.length && !out.has(k.id));
      const wrap = leaves.length > maxPerRow ? new Set(leaves.map((k) => k.id)) : new Set<number>();
      const xs = kids.filter((k) => !wrap.has(k.id)).map((k) => place(k, level + 1));
      if (wrap.size > 0) {
        const start = nextLeaf;
        leaves.forEach((k, j) => {
          const row = Math.floor(j / maxPerRow);
          out.set(k.id, { x: (start + (j % maxPerRow)) * gapX, y: (level + 1) * gapY + row * gapY * 0.6 });
        });
        nextLeaf += maxPerRow;
        xs.push(start * gapX, (start + maxPerRow - 1) * gapX);
      }
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
