import { expect, test } from 'vitest';
import type { GroupView } from '$lib/ipc';
import { edgeId, forcePositions, graphOf, peeringOf, stageDelete, stageDrop, treePositions } from './graph';
import { PeerStage } from './peers.svelte';

function group(id: number, displayName: string, parent: number, depth: number, peers: number[]): GroupView {
  return {
    id,
    displayName,
    name: displayName.toLowerCase(),
    parent,
    policy: 0,
    policyName: '',
    priority: 0,
    ldap: false,
    peers,
    members: 1,
    depth,
  };
}

// Company sees itself and Sales; Sales sees Support; Support sees nobody; Sales names a group
// that does not exist (99), which cannot be drawn.
const groups = [
  group(1, 'Company', 0, 0, [1, 2]),
  group(2, 'Sales', 1, 1, [3, 99]),
  group(3, 'Support', 1, 1, []),
];

const brief = (g: ReturnType<typeof graphOf>) => g.edges.map((e) => `${e.group}>${e.peer}:${e.state}${e.self ? ':self' : ''}`);

test('groups become nodes and server peerings directed edges, a self-peer a loop', () => {
  const g = graphOf(groups, new PeerStage(groups));
  expect(g.nodes.map((n) => [n.id, n.label, n.depth])).toEqual([
    ['g1', 'Company', 0],
    ['g2', 'Sales', 1],
    ['g3', 'Support', 1],
  ]);
  expect(brief(g)).toEqual(['1>1:kept:self', '1>2:kept', '2>3:kept']);
  const e = g.edges.find((x) => x.id === edgeId(2, 3))!;
  expect([e.source, e.target]).toEqual(['g2', 'g3']);
});

test('staged edits from the shared stage (the matrix, say) show as marked edges', () => {
  const stage = new PeerStage(groups);
  stage.toggle(3, 2); // add: Support sees Sales (the reverse of no existing edge)
  stage.toggle(1, 1); // remove the self-peer
  const g = graphOf(groups, stage);
  expect(brief(g)).toEqual(['1>1:remove:self', '1>2:kept', '2>3:kept', '3>2:add']);
  // Toggled back: unstaged, the edge is as on the server again or gone.
  stage.toggle(3, 2);
  stage.toggle(1, 1);
  expect(brief(graphOf(groups, stage))).toEqual(['1>1:kept:self', '1>2:kept', '2>3:kept']);
});

test('a drop stages an add in the same stage; an existing peering stages nothing', () => {
  const stage = new PeerStage(groups);
  expect(stageDrop(stage, 3, 1)).toBe(true);
  expect(stageDrop(stage, 3, 3)).toBe(true); // self-peer
  expect(stageDrop(stage, 1, 2)).toBe(false);
  expect(stage.changes()).toEqual({ add: [{ group: 3, peer: 1 }, { group: 3, peer: 3 }], remove: [] });
  expect(brief(graphOf(groups, stage))).toContain('3>3:add:self');
});

test('Delete on an edge stages the removal, unstages an add, and restores a staged removal', () => {
  const stage = new PeerStage(groups);
  expect(stageDelete(stage, edgeId(2, 3))).toBe(true);
  expect(stage.changes()).toEqual({ add: [], remove: [{ group: 2, peer: 3 }] });
  expect(brief(graphOf(groups, stage))).toContain('2>3:remove');

  stageDrop(stage, 3, 1);
  stageDelete(stage, edgeId(3, 1));
  expect(stage.changes().add).toEqual([]);
  expect(brief(graphOf(groups, stage))).not.toContain('3>1:add');

  stageDelete(stage, edgeId(2, 3));
  expect(stage.count).toBe(0);
  expect(stageDelete(stage, 'g2')).toBe(false);
  expect(stage.count).toBe(0);
});

test('edge ids round-trip and anything else is refused', () => {
  expect(peeringOf(edgeId(12, 7))).toEqual({ group: 12, peer: 7 });
  expect(peeringOf('g12')).toBeNull();
  expect(peeringOf('p1-')).toBeNull();
});

test('the layered layout puts one row per depth and parents over their children', () => {
  const tree = [
    group(1, 'A', 0, 0, []),
    group(2, 'B', 1, 1, []),
    group(3, 'C', 1, 1, []),
    group(4, 'D', 0, 0, []),
    group(5, 'E', 3, 2, []),
    group(6, 'Orphan', 42, 0, []),
  ];
  const pos = treePositions(tree, 100, 50);
  expect(pos.get(2)).toEqual({ x: 0, y: 50 });
  expect(pos.get(5)).toEqual({ x: 100, y: 100 });
  expect(pos.get(3)).toEqual({ x: 100, y: 50 });
  expect(pos.get(1)).toEqual({ x: 50, y: 0 });
  expect(pos.get(4)).toEqual({ x: 200, y: 0 });
  expect(pos.get(6)).toEqual({ x: 300, y: 0 });
  // A cycle of parents in bad data still places every group.
  const cyc = [group(1, 'X', 2, 1, []), group(2, 'Y', 1, 1, [])];
  expect(treePositions(cyc).size).toBe(2);
});

test('thirty groups with many peerings map without loss', () => {
  const many = Array.from({ length: 30 }, (_, i) =>
    group(i + 1, `Group ${i + 1}`, i < 5 ? 0 : (i % 5) + 1, i < 5 ? 0 : 1, [((i * 7) % 30) + 1, ((i * 11) % 30) + 1]),
  );
  const g = graphOf(many, new PeerStage(many));
  expect(g.nodes).toHaveLength(30);
  const distinct = new Set(many.flatMap((x) => x.peers.map((p) => `${x.id}>${p}`)));
  expect(g.edges).toHaveLength(distinct.size);
  expect(new Set(g.edges.map((e) => e.id)).size).toBe(g.edges.length);
  expect(treePositions(many).size).toBe(30);
});

function thirtyGroups() {
  return Array.from({ length: 30 }, (_, i) =>
    group(i + 1, `Group ${i + 1}`, i === 0 ? 0 : 1, i === 0 ? 0 : 1, [((i * 7) % 30) + 1, ((i * 11) % 30) + 1]),
  );
}

/** Whether two node boxes (about 90 × 24 px, with some air) overlap. */
const overlap = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  Math.abs(a.x - b.x) < 100 && Math.abs(a.y - b.y) < 34;

function spread(pos: Map<number, { x: number; y: number }>) {
  const ps = [...pos.values()];
  const xs = ps.map((p) => p.x);
  const ys = ps.map((p) => p.y);
  const overlaps = ps.flatMap((a, i) => ps.slice(i + 1).filter((b) => overlap(a, b))).length;
  const w = Math.max(...xs) - Math.min(...xs);
  const h = Math.max(...ys) - Math.min(...ys);
  return { overlaps, aspect: w / Math.max(h, 1) };
}

test('the force layout draws thirty groups without overlaps, wider than tall, the same each time', () => {
  const many = thirtyGroups();
  const links = many.flatMap((g) => g.peers.map((p) => [g.id, p] as [number, number]));
  const pos = forcePositions(many.map((g) => g.id), links);
  expect(pos.size).toBe(30);
  const { overlaps, aspect } = spread(pos);
  expect(overlaps).toBe(0);
  expect(aspect).toBeGreaterThan(1);
  expect(aspect).toBeLessThan(3);
  expect(forcePositions(many.map((g) => g.id), links)).toEqual(pos);
  // Unknown ids and self-loops in the links are ignored; one group alone still gets a place.
  expect(forcePositions([5], [[5, 5], [5, 99]]).get(5)).toBeDefined();
});

test('the layered layout wraps many leaf children into rows', () => {
  const pos = treePositions(thirtyGroups(), 170, 120, 6);
  const { overlaps, aspect } = spread(pos);
  expect(overlaps).toBe(0);
  expect(aspect).toBeLessThan(4);
  const childRows = new Set([...pos.entries()].filter(([id]) => id !== 1).map(([, p]) => p.y));
  expect(childRows.size).toBe(5); // 29 children, 6 a row
  expect(pos.get(1)!.y).toBeLessThan(Math.min(...childRows));
  // Beside subtrees: a root with two parents of their own and twenty leaf children.
  const mixed = [
    group(1, 'Root', 0, 0, []),
    group(2, 'Eng', 1, 1, []),
    group(3, 'Ops', 1, 1, []),
    group(4, 'HW', 2, 2, []),
    group(5, 'FW', 2, 2, []),
    group(6, 'Desk', 3, 2, []),
    ...Array.from({ length: 20 }, (_, i) => group(10 + i, `Team ${i}`, 1, 1, [])),
  ];
  const m = treePositions(mixed, 170, 120, 6);
  expect(m.size).toBe(mixed.length);
  expect(spread(m).overlaps).toBe(0);
  expect(spread(m).aspect).toBeLessThan(4.5);
});
