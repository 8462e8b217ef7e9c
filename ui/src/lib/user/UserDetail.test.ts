import { afterEach, expect, test } from 'vitest';
import { render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { DropEvent } from '$lib/ipc';
import UserDetail from './UserDetail.svelte';

afterEach(() => clearMocks());

const row = {
  address: 'ann@acme.test',
  displayName: 'Ann',
  email: 'ann@acme.test',
  group: 1,
  groupName: 'Staff',
  policy: 1,
  policyName: 'Default',
  disabled: false,
  status: 1,
  statusLabel: 'Online',
  createdAt: 0,
};

const NEW_AVATAR = 'data:image/png;base64,iVBORw0KGgoNEW=';

function serve(calls: { cmd: string; args: Record<string, unknown> }[]) {
  type Watcher = { onmessage: (e: DropEvent) => void };
  let drops: Watcher | null = null;
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: args as Record<string, unknown> });
    if (cmd === 'avatar_get') return null;
    if (cmd === 'media_watch_drops') {
      drops = (args as { onDrop: Watcher }).onDrop;
      return null;
    }
    if (cmd === 'avatar_set_from_handle') {
      const { handle } = args as { handle: string };
      if (handle === 'file-text') throw { code: 'invalid_input', message: 'The file is not an image.' };
      return NEW_AVATAR;
    }
  });
  return (e: DropEvent) => {
    if (!drops) throw new Error('nobody watches drops');
    drops.onmessage(e);
  };
}

const props = { row, facets: null, onchanged: () => {}, ondeleted: () => {}, onclose: () => {} };

test('a file dropped while the pane is open becomes the avatar by its handle', async () => {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  const drop = serve(calls);
  render(UserDetail, props);
  expect(screen.getByText('Drop an image to set the avatar')).toBeTruthy();
  await waitFor(() => expect(calls.some((c) => c.cmd === 'media_watch_drops')).toBe(true));

  const target = screen.getByRole('group', { name: 'Avatar drop target' });
  drop({ kind: 'hover' });
  await waitFor(() => expect(target.classList.contains('dragging')).toBe(true));
  drop({ kind: 'dropped', files: [{ handle: 'file-0123', name: 'face.png', size: 70 }] });

  const img = (await screen.findByRole('img', { name: 'Avatar of ann@acme.test' })) as HTMLImageElement;
  expect(img.src).toBe(NEW_AVATAR);
  expect(target.classList.contains('dragging')).toBe(false);
  const set = calls.find((c) => c.cmd === 'avatar_set_from_handle');
  expect(set?.args).toMatchObject({ address: 'ann@acme.test', handle: 'file-0123' });
  expect(screen.getByText('Avatar set from face.png.')).toBeTruthy();
  // The dialog button stays.
  expect(screen.getByRole('button', { name: 'Choose avatar image…' })).toBeTruthy();
});

test('a dropped non-image shows why it was refused', async () => {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  const drop = serve(calls);
  render(UserDetail, props);
  await waitFor(() => expect(calls.some((c) => c.cmd === 'media_watch_drops')).toBe(true));
  drop({ kind: 'dropped', files: [{ handle: 'file-text', name: 'notes.txt', size: 12 }] });
  expect(await screen.findByText(/notes\.txt cannot be the avatar: The file is not an image\./)).toBeTruthy();
  expect(screen.queryByRole('img', { name: 'Avatar of ann@acme.test' })).toBeNull();
});

test("the profile's own account offers neither disable nor delete", async () => {
  const { session } = await import('$lib/session/session.svelte');
  session.profiles = [
    {
      id: 'p1',
      name: 'Acme',
      baseUrl: 'https://chat.acme.test',
      domain: 'acme.test',
      hasCaCertificate: false,
      postForUpdates: false,
      ownAddress: 'Ann@acme.test',
      sandbox: false,
      tokenStored: true,
      active: true,
    },
  ];
  serve([]);
  const { unmount } = render(UserDetail, props);
  expect(screen.getByText('Your account')).toBeTruthy();
  expect(screen.queryByRole('button', { name: 'Disable user' })).toBeNull();
  expect(screen.queryByRole('button', { name: 'Delete user…' })).toBeNull();
  unmount();
  render(UserDetail, { ...props, row: { ...row, address: 'bob@acme.test' } });
  expect(screen.getByRole('button', { name: 'Disable user' })).toBeTruthy();
  expect(screen.getByRole('button', { name: 'Delete user…' })).toBeTruthy();
  session.profiles = [];
});
