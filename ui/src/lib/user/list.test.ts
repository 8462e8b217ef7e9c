import { afterEach, expect, test } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import {
  DEFAULT_COLUMNS,
  NO_FILTERS,
  PAGE,
  UserList,
  buildQuery,
  clickSelection,
  loadColumns,
  moveColumn,
  pagesFor,
  saveColumns,
  toggleSort,
  visibleRange,
} from './list.svelte';
import type { UserQueryInput, UserRowView } from '$lib/ipc';

afterEach(() => clearMocks());

function row(i: number): UserRowView {
  return {
    address: `u${String(i).padStart(6, '0')}@acme.test`,
    displayName: `User ${i}`,
    email: '',
    group: 1,
    groupName: 'Staff',
    policy: 0,
    policyName: '',
    disabled: false,
    status: 0,
    statusLabel: 'Offline',
    createdAt: 0,
  };
}

/** A stand-in for the Rust side: 100,000 users, windows by offset/limit, search by substring. */
function serve(queries: UserQueryInput[]) {
  mockIPC((cmd, args) => {
    const a = args as { query: UserQueryInput };
    if (cmd === 'users_load') return { all: 100000, groups: [], policies: [], statuses: [], disabled: 0 };
    if (cmd === 'users_page') {
      queries.push(a.query);
      const total = a.query.search ? 11 : 100000;
      const rows = [];
      for (let i = a.query.offset; i < Math.min(total, a.query.offset + a.query.limit); i++) rows.push(row(i));
      return { total, all: 100000, offset: a.query.offset, rows };
    }
  });
}

test('header clicks sort, then flip the direction', () => {
  let s = toggleSort({ sort: 'address', descending: false }, 'email');
  expect(s).toEqual({ sort: 'email', descending: false });
  s = toggleSort(s, 'email');
  expect(s).toEqual({ sort: 'email', descending: true });
});

test('search, sort and filters all reach the query Rust answers', () => {
  const q = buildQuery('ann', 'created', true, { ...NO_FILTERS, group: 3, disabled: true }, 200, 100);
  expect(q).toEqual({
    search: 'ann',
    sort: 'created',
    descending: true,
    group: 3,
    policy: null,
    disabled: true,
    status: null,
    offset: 200,
    limit: 100,
  });
});

test('only the pages around the viewport are asked for', () => {
  expect(pagesFor(0, 600, 100000)).toEqual([0, 1]);
  const mid = pagesFor(500 * 34, 600, 100000);
  expect(mid).toEqual([4, 5, 6]);
  expect(pagesFor(0, 600, 0)).toEqual([]);
  const end = pagesFor(99990 * 34, 600, 100000);
  expect(end[end.length - 1]).toBe(999);
  const r = visibleRange(1000 * 34, 340, 100000);
  expect(r.last - r.first).toBeLessThan(40);
});

test('columns are remembered per profile, unknown ids dropped', () => {
  const store = new Map<string, string>();
  const storage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
  };
  expect(loadColumns('p1', storage)).toEqual(DEFAULT_COLUMNS);
  saveColumns('p1', ['email', 'address'], storage);
  expect(loadColumns('p1', storage)).toEqual(['email', 'address']);
  expect(loadColumns('p2', storage)).toEqual(DEFAULT_COLUMNS);
  store.set('trillian.users.columns.p3', '["nope","status","status"]');
  expect(loadColumns('p3', storage)).toEqual(['status']);
  store.set('trillian.users.columns.p4', '{not json');
  expect(loadColumns('p4', storage)).toEqual(DEFAULT_COLUMNS);
  expect(moveColumn(['a', 'b', 'c'] as never, 'b' as never, -1)).toEqual(['b', 'a', 'c']);
});

test('click, ctrl-click and shift-click select like a file list', () => {
  const between = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => `r${a + i}`);
  let s = clickSelection(new Set(), null, 2, 'r2', { shift: false, ctrl: false }, between);
  expect([...s.selected]).toEqual(['r2']);
  s = clickSelection(s.selected, s.anchor, 5, 'r5', { shift: true, ctrl: false }, between);
  expect([...s.selected]).toEqual(['r2', 'r3', 'r4', 'r5']);
  s = clickSelection(s.selected, s.anchor, 3, 'r3', { shift: false, ctrl: true }, between);
  expect(s.selected.has('r3')).toBe(false);
  expect(s.selected.size).toBe(3);
  s = clickSelection(s.selected, s.anchor, 0, 'r0', { shift: true, ctrl: true }, between);
  expect(s.selected.has('r0') && s.selected.has('r5')).toBe(true);
});

test('the list holds pages, not the whole list, and a new search starts over', async () => {
  const queries: UserQueryInput[] = [];
  serve(queries);
  const list = new UserList();
  await list.load();
  expect(list.total).toBe(100000);
  expect(list.rowAt(0)?.address).toBe('u000000@acme.test');
  expect(list.rowAt(PAGE)).toBeUndefined();
  await list.ensure([500]);
  expect(list.rowAt(500 * PAGE + 7)?.address).toBe('u050007@acme.test');
  expect(queries.every((q) => q.limit <= PAGE)).toBe(true);
  list.search = 'ann';
  await list.requery();
  expect(list.total).toBe(11);
  expect(list.pages.size).toBe(1);
  expect(queries[queries.length - 1].search).toBe('ann');
});
