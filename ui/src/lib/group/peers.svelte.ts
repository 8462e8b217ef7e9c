// Staged peer edits for the matrix: the server's peers (base) plus cells toggled but not yet
// applied. Directed: `group` sees `peer`. A cell set back to the server's state is unstaged.
import type { GroupView, PeerChanges } from '$lib/ipc';

export type Peering = { group: number; peer: number };

const keyOf = (group: number, peer: number) => `${group}>${peer}`;

function parse(key: string): Peering {
  const [g, p] = key.split('>');
  return { group: Number(g), peer: Number(p) };
}

export class PeerStage {
  /** The server's peerings, as `group>peer` keys. */
  base = $state(new Set<string>());
  /** Staged: key → wanted state (true: add, false: remove). */
  staged = $state(new Map<string, boolean>());

  constructor(groups: GroupView[] = []) {
    this.reset(groups);
  }

  /** Takes the server's peers (after a load or an apply) and drops all staged edits. */
  reset(groups: GroupView[]) {
    const base = new Set<string>();
    for (const g of groups) for (const p of g.peers) base.add(keyOf(g.id, p));
    this.base = base;
    this.staged = new Map();
  }

  /** Whether `group` sees `peer` after the staged edits. */
  sees(group: number, peer: number): boolean {
    const k = keyOf(group, peer);
    return this.staged.get(k) ?? this.base.has(k);
  }

  /** Whether the cell has a staged edit. */
  isStaged(group: number, peer: number): boolean {
    return this.staged.has(keyOf(group, peer));
  }

  set(group: number, peer: number, on: boolean) {
    const k = keyOf(group, peer);
    const next = new Map(this.staged);
    if (this.base.has(k) === on) next.delete(k);
    else next.set(k, on);
    this.staged = next;
  }

  toggle(group: number, peer: number) {
    this.set(group, peer, !this.sees(group, peer));
  }

  /** Row action: `group` sees every group (`on`) or none. */
  setRow(group: number, ids: number[], on: boolean) {
    for (const peer of ids) this.set(group, peer, on);
  }

  /** Column action: every group sees `peer` (`on`) or none does. */
  setColumn(peer: number, ids: number[], on: boolean) {
    for (const group of ids) this.set(group, peer, on);
  }

  /** Applies a change set (an undo, say) as staged edits. */
  stageChanges(changes: PeerChanges) {
    for (const p of changes.add) this.set(p.group, p.peer, true);
    for (const p of changes.remove) this.set(p.group, p.peer, false);
  }

  get count(): number {
    return this.staged.size;
  }

  /** The staged edits as the command takes them. */
  changes(): PeerChanges {
    const add: Peering[] = [];
    const remove: Peering[] = [];
    for (const [k, on] of this.staged) (on ? add : remove).push(parse(k));
    const order = (a: Peering, b: Peering) => a.group - b.group || a.peer - b.peer;
    return { add: add.sort(order), remove: remove.sort(order) };
  }

  clear() {
    this.staged = new Map();
  }
}

/** Group names by id, `#id` for an unknown one. */
export function namer(groups: GroupView[]): (id: number) => string {
  const names = new Map(groups.map((g) => [g.id, g.displayName]));
  return (id) => names.get(id) ?? `#${id}`;
}

/** "gains A, B; loses C" and who starts or stops seeing them, in words. */
export function describePreview(
  p: { user: string; group: number; gains: number[]; loses: number[]; seenByGains: number[]; seenByLoses: number[] },
  name: (id: number) => string,
): string[] {
  const list = (ids: number[]) => ids.map(name).join(', ');
  const lines: string[] = [];
  const sees: string[] = [];
  if (p.gains.length) sees.push(`gains ${list(p.gains)}`);
  if (p.loses.length) sees.push(`loses ${list(p.loses)}`);
  lines.push(
    `For ${p.user} (${name(p.group)}): ` +
      (sees.length ? sees.join('; ') : 'contact list unchanged'),
  );
  if (p.seenByGains.length) lines.push(`Newly seen by members of ${list(p.seenByGains)}`);
  if (p.seenByLoses.length) lines.push(`No longer seen by members of ${list(p.seenByLoses)}`);
  return lines;
}

/** Every group under `id` (to keep a group from moving under itself). */
export function descendants(groups: GroupView[], id: number): Set<number> {
  const out = new Set<number>();
  const stack = [id];
  while (stack.length) {
    const at = stack.pop()!;
    for (const g of groups) {
      if (g.parent === at && g.id !== id && !out.has(g.id)) {
        out.add(g.id);
        stack.push(g.id);
      }
    }
  }
  return out;
}
