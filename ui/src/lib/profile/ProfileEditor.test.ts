import { afterEach, expect, test, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import ProfileEditor from './ProfileEditor.svelte';
import type { Profile } from '$lib/ipc';

afterEach(() => clearMocks());

const saved: Profile = {
  id: 'p1',
  name: 'Acme',
  baseUrl: 'https://chat.acme.example',
  domain: 'acme.example',
  hasCaCertificate: false,
  postForUpdates: false,
  ownAddress: null,
  sandbox: false,
  tokenStored: false,
  active: false,
};

test('saving sends the profile without the token, then stores the token separately', async () => {
  const calls: Array<{ cmd: string; args: unknown }> = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === 'profile_save') return saved;
    if (cmd === 'token_set') return null;
  });
  render(ProfileEditor, { profile: null, onclose: () => {} });
  expect((screen.getByLabelText('Base URL') as HTMLInputElement).value).toBe('https://api.trillian.im');
  await fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Acme' } });
  await fireEvent.input(screen.getByLabelText('Base URL'), { target: { value: 'https://chat.acme.example' } });
  await fireEvent.input(screen.getByLabelText('Domain'), { target: { value: 'acme.example' } });
  await fireEvent.input(screen.getByLabelText('API token'), { target: { value: 'SENTINEL-TOKEN' } });
  await fireEvent.click(screen.getByRole('button', { name: 'Save profile' }));
  expect(await screen.findByText('Profile saved; token stored.')).toBeTruthy();
  const save = calls.find((c) => c.cmd === 'profile_save');
  expect(JSON.stringify(save?.args)).not.toContain('SENTINEL-TOKEN');
  expect(calls.find((c) => c.cmd === 'token_set')?.args).toEqual({ profileId: 'p1', token: 'SENTINEL-TOKEN' });
  expect((screen.getByLabelText('Replace API token') as HTMLInputElement).value).toBe('');
  expect(screen.getByTestId('token-state').textContent).toBe('stored');
});

test('a refused save shows the reason and sends nothing else', async () => {
  const cmds: string[] = [];
  mockIPC((cmd) => {
    cmds.push(cmd);
    if (cmd === 'profile_save') throw { code: 'invalid_input', message: 'Invalid base URL: no host' };
  });
  render(ProfileEditor, { profile: null, onclose: () => {} });
  await fireEvent.input(screen.getByLabelText('Domain'), { target: { value: 'acme.example' } });
  await fireEvent.input(screen.getByLabelText('API token'), { target: { value: 'T' } });
  await fireEvent.click(screen.getByRole('button', { name: 'Save profile' }));
  expect((await screen.findByRole('alert')).textContent).toContain('Invalid base URL: no host');
  expect(cmds).toEqual(['profile_save']);
});

test('field checks stop a bad URL before any IPC call', async () => {
  const cmds: string[] = [];
  mockIPC((cmd) => {
    cmds.push(cmd);
  });
  render(ProfileEditor, { profile: null, onclose: () => {} });
  await fireEvent.input(screen.getByLabelText('Base URL'), { target: { value: 'http://chat.acme.example' } });
  await fireEvent.click(screen.getByRole('button', { name: 'Save profile' }));
  expect(await screen.findByText(/Use https:\/\//)).toBeTruthy();
  expect(screen.getByText(/Enter the Trillian domain/)).toBeTruthy();
  expect(cmds).toEqual([]);
});

test('test connection tells a wrong token apart', async () => {
  mockIPC((cmd) => {
    if (cmd === 'connection_test')
      return { outcome: 'wrong_token', message: 'Wrong token: the server refused it (401).', counts: null };
  });
  render(ProfileEditor, { profile: { ...saved, tokenStored: true }, onclose: () => {} });
  await fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
  const result = await screen.findByText('Wrong token');
  expect(result.closest('[data-outcome]')?.getAttribute('data-outcome')).toBe('wrong_token');
});

test('the own address is shown, sent trimmed, and cleared to none', async () => {
  const inputs: unknown[] = [];
  mockIPC((cmd, args) => {
    if (cmd === 'profile_save') {
      inputs.push((args as { input: unknown }).input);
      return saved;
    }
  });
  render(ProfileEditor, { profile: { ...saved, tokenStored: true, ownAddress: 'ann@acme.example' }, onclose: () => {} });
  const own = screen.getByLabelText(/Your own IM address/) as HTMLInputElement;
  expect(own.value).toBe('ann@acme.example');
  await fireEvent.input(own, { target: { value: '  kim ' } });
  await fireEvent.click(screen.getByRole('button', { name: 'Save profile' }));
  await screen.findByText(/Profile saved/);
  expect(inputs[0]).toMatchObject({ ownAddress: 'kim' });
  await fireEvent.input(own, { target: { value: ' ' } });
  await fireEvent.click(screen.getByRole('button', { name: 'Save profile' }));
  await vi.waitFor(() => expect(inputs.length).toBe(2));
  expect(inputs[1]).toMatchObject({ ownAddress: null });
});
