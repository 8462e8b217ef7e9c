import { afterEach, expect, test } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { session } from './session.svelte';

afterEach(() => clearMocks());

const profile = {
  id: 'p1',
  name: 'Acme',
  baseUrl: 'https://chat.acme.example',
  domain: 'acme.example',
  hasCaCertificate: false,
  postForUpdates: false,
  ownAddress: null,
  sandbox: false,
  tokenStored: true,
  active: true,
};

test('a failing keychain does not hide the profiles; its reason is shown', async () => {
  mockIPC((cmd) => {
    if (cmd === 'profiles_list') return [profile];
    if (cmd === 'keychain_status') throw { code: 'keychain', message: 'Keychain: the bus hung (restart it)' };
  });
  await session.refresh();
  expect(session.profiles.map((p) => p.name)).toEqual(['Acme']);
  expect(session.active?.id).toBe('p1');
  expect(session.error?.code).toBe('keychain');
  expect(session.error?.message).toContain('the bus hung');
});

test('activating a profile marks only that one active', async () => {
  mockIPC((cmd, args) => {
    if (cmd === 'profile_set_active')
      return { ...profile, id: (args as { id: string }).id, name: 'Other', active: true };
  });
  session.profiles = [profile];
  await session.activate('p2');
  expect(session.profiles.filter((p) => p.active).map((p) => p.id)).toEqual(['p2']);
});
