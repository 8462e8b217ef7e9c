import { afterEach, expect, test } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { GroupView } from '$lib/ipc';
import PeerEditor from './PeerEditor.svelte';
import { PeerStage } from './peers.svelte';

afterEach(() => clearMocks());

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

const groups = [group(1, 'Company', 0, 0, [1]), group(2, 'Sales', 1, 1, [2]), group(3, 'Support', 1, 1, [])];

test('toggling cells stages directed changes, marks them, and toggling back unstages', async () => {
  const stage = new PeerStage(groups);
  render(PeerEditor, { groups, stage, onapplied: () => {} });
  const salesSeesSupport = screen.getByRole('checkbox', { name: 'Sales sees Support' }) as HTMLInputElement;
  const supportSeesSales = screen.getByRole('checkbox', { name: 'Support sees Sales' }) as HTMLInputElement;
  const companySeesItself = screen.getByRole('checkbox', { name: 'Company sees Company' }) as HTMLInputElement;
  expect(salesSeesSupport.checked).toBe(false);
  expect(companySeesItself.checked).toBe(true);

  await fireEvent.click(salesSeesSupport);
  await fireEvent.click(companySeesItself);
  expect(salesSeesSupport.checked).toBe(true);
  expect(supportSeesSales.checked).toBe(false);
  expect(salesSeesSupport.closest('td')?.classList.contains('staged')).toBe(true);
  expect(supportSeesSales.closest('td')?.classList.contains('staged')).toBe(false);
  const list = screen.getByRole('list', { name: 'Staged peer changes' });
  expect(within(list).getAllByRole('listitem').map((li) => li.textContent?.trim())).toEqual([
    '+ Sales sees Support',
    '− Company no longer sees Company',
  ]);
  expect(stage.changes()).toEqual({ add: [{ group: 2, peer: 3 }], remove: [{ group: 1, peer: 1 }] });

  await fireEvent.click(salesSeesSupport);
  expect(stage.changes().add).toEqual([]);
  expect(salesSeesSupport.closest('td')?.classList.contains('staged')).toBe(false);

  // Row and column actions.
  await fireEvent.click(screen.getByRole('button', { name: 'Support sees everyone' }));
  expect(stage.changes().add).toEqual([
    { group: 3, peer: 1 },
    { group: 3, peer: 2 },
    { group: 3, peer: 3 },
  ]);
  await fireEvent.click(screen.getByRole('button', { name: 'Sales seen by nobody' }));
  expect(stage.changes().remove).toContainEqual({ group: 2, peer: 2 });
  expect(stage.changes().add).not.toContainEqual({ group: 3, peer: 2 });
});

test('arrow keys move between cells', async () => {
  const stage = new PeerStage(groups);
  render(PeerEditor, { groups, stage, onapplied: () => {} });
  const first = screen.getByRole('checkbox', { name: 'Company sees Company' });
  first.focus();
  await fireEvent.keyDown(first, { key: 'ArrowRight' });
  expect(document.activeElement).toBe(screen.getByRole('checkbox', { name: 'Company sees Sales' }));
  await fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
  expect(document.activeElement).toBe(screen.getByRole('checkbox', { name: 'Sales sees Sales' }));
});

test('the staged preview says who will see whom for the chosen user', async () => {
  const asked: unknown[] = [];
  mockIPC((cmd, args) => {
    if (cmd === 'peers_preview') {
      asked.push(args);
      return { user: 'ann@acme.example', group: 3, gains: [1, 2], loses: [3], seenByGains: [2], seenByLoses: [] };
    }
  });
  const stage = new PeerStage(groups);
  render(PeerEditor, { groups, stage, onapplied: () => {} });
  await fireEvent.click(screen.getByRole('checkbox', { name: 'Support sees Company' }));
  await fireEvent.input(screen.getByRole('textbox', { name: /for user/ }), { target: { value: 'ann@acme.example' } });
  await fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
  const preview = await screen.findByRole('status', { name: 'Preview' });
  expect(preview.textContent).toContain('For ann@acme.example (Support): gains Company, Sales; loses Support');
  expect(preview.textContent).toContain('Newly seen by members of Sales');
  expect(asked).toEqual([
    { changes: { add: [{ group: 3, peer: 1 }], remove: [] }, user: 'ann@acme.example' },
  ]);
});

test('apply reports per item, keeps failures staged and offers undo', async () => {
  const tree = { groups: groups.map((g) => (g.id === 2 ? { ...g, peers: [2, 3] } : g)), usersWithoutGroup: 0, policies: [] };
  mockIPC((cmd) => {
    if (cmd === 'peers_apply')
      return {
        items: [
          { item: 'add: Sales sees Support', status: 'done', message: 'added' },
          { item: 'add: Support sees Company', status: 'failed', message: 'unknown group' },
        ],
        cancelled: false,
        applied: { add: [{ group: 2, peer: 3 }], remove: [] },
        retry: { add: [{ group: 3, peer: 1 }], remove: [] },
        undo: { add: [], remove: [{ group: 2, peer: 3 }] },
        tree,
      };
  });
  const stage = new PeerStage(groups);
  let applied = 0;
  render(PeerEditor, {
    groups,
    stage,
    onapplied: (r) => {
      applied++;
      stage.reset(r.tree.groups);
    },
  });
  await fireEvent.click(screen.getByRole('checkbox', { name: 'Sales sees Support' }));
  await fireEvent.click(screen.getByRole('checkbox', { name: 'Support sees Company' }));
  await fireEvent.click(screen.getByRole('button', { name: 'Apply 2 changes' }));
  const result = await screen.findByRole('status', { name: 'Apply result' });
  expect(result.textContent).toContain('1 done');
  expect(result.textContent).toContain('unknown group');
  expect(applied).toBe(1);
  expect(stage.changes()).toEqual({ add: [{ group: 3, peer: 1 }], remove: [] });
  await fireEvent.click(screen.getByRole('button', { name: 'Undo last apply' }));
  expect(stage.changes()).toEqual({ add: [], remove: [{ group: 2, peer: 3 }] });
});
