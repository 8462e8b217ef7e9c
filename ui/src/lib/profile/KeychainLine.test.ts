import { afterEach, expect, test } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import KeychainLine from './KeychainLine.svelte';
import { session } from '$lib/session/session.svelte';

afterEach(() => clearMocks());

test('an unavailable keychain says why, how to fix it, and offers session-only mode', async () => {
  const cmds: string[] = [];
  mockIPC((cmd) => {
    cmds.push(cmd);
    if (cmd === 'keychain_use_session_only' || cmd === 'keychain_status')
      return { state: 'session_only', backend: 'memory only', problem: null, hint: null };
    if (cmd === 'profiles_list') return [];
  });
  session.keychain = {
    state: 'unavailable',
    backend: 'the system keyring (Secret Service)',
    problem: 'the keyring is locked',
    hint: 'unlock it in your desktop session',
  };
  render(KeychainLine);
  expect(screen.getByRole('status').textContent).toContain('the keyring is locked');
  expect(screen.getByText(/How to fix: unlock it/)).toBeTruthy();
  await fireEvent.click(screen.getByRole('button', { name: 'Use session-only mode' }));
  expect(await screen.findByText(/Session-only mode/)).toBeTruthy();
  expect(cmds).toContain('keychain_use_session_only');
});
