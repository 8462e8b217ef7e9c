import { afterEach, expect, test } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import MediaGallery from './MediaGallery.svelte';

afterEach(() => clearMocks());

const items = [
  { id: 'a', name: 'small.png', contentType: 'image/png', kind: 'image', size: 2048, createdAt: 100, expiresAt: 0, thumbnail: 'T1' },
  { id: 'b', name: 'big.pdf', contentType: 'application/pdf', kind: 'document', size: 9_000_000, createdAt: 50, expiresAt: 0, thumbnail: '' },
];

function serve(calls: { cmd: string; args: unknown }[]) {
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === 'media_list') return items;
    if (cmd === 'media_thumbnail') return 'data:image/png;base64,iVBORw0KGgo=';
    if (cmd === 'media_watch_drops') return null;
    if (cmd === 'media_delete') return null;
  });
}

const tileNames = () =>
  within(screen.getByRole('list', { name: 'Media items' }))
    .getAllByRole('checkbox')
    .map((c) => c.getAttribute('aria-label'));

test('tiles show thumbnails from Rust, sort largest first and filter by type', async () => {
  const calls: { cmd: string; args: unknown }[] = [];
  serve(calls);
  render(MediaGallery, { owner: { kind: 'groupChat', name: '#ops@acme.test' } });
  expect(await screen.findByRole('img', { name: 'Thumbnail of small.png' })).toBeTruthy();
  expect(calls.filter((c) => c.cmd === 'media_thumbnail')).toHaveLength(1); // the PDF has none
  expect(tileNames()).toEqual(['Select small.png', 'Select big.pdf']); // newest first
  await fireEvent.change(screen.getByRole('combobox', { name: 'Sort' }), { target: { value: 'largest' } });
  expect(tileNames()).toEqual(['Select big.pdf', 'Select small.png']);
  await fireEvent.change(screen.getByRole('combobox', { name: 'Type' }), { target: { value: 'image' } });
  expect(tileNames()).toEqual(['Select small.png']);
});

test('delete asks for the file name to be typed first', async () => {
  const calls: { cmd: string; args: unknown }[] = [];
  serve(calls);
  render(MediaGallery, { owner: { kind: 'user', name: 'ann@acme.test' } });
  await fireEvent.click(await screen.findByRole('button', { name: 'Delete big.pdf' }));
  const dialog = screen.getByRole('dialog', { name: 'Delete big.pdf?' });
  const go = within(dialog).getByRole('button', { name: 'Delete permanently' }) as HTMLButtonElement;
  expect(go.disabled).toBe(true);
  await fireEvent.input(within(dialog).getByRole('textbox'), { target: { value: 'big.pdf' } });
  expect(go.disabled).toBe(false);
  await fireEvent.click(go);
  const del = calls.find((c) => c.cmd === 'media_delete');
  expect(del?.args).toMatchObject({ owner: { kind: 'user', name: 'ann@acme.test' }, id: 'b', confirm: 'big.pdf' });
});
