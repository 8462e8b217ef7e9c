import { afterEach, expect, test } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import Dashboard from './Dashboard.svelte';

afterEach(() => clearMocks());

test('shows the counts and spreads the server returned', async () => {
  mockIPC((cmd) => {
    if (cmd === 'dashboard_get')
      return {
        profileName: 'Acme',
        domain: 'acme.example',
        counts: { users: 12, groups: 3, policies: 2, groupchats: 4, online: 7 },
        presence: [{ label: 'Online', count: 7 }],
        platforms: [{ label: 'Windows', count: 5 }],
        versions: [],
      };
  });
  render(Dashboard);
  expect(await screen.findByRole('link', { name: 'Users: 12' })).toBeTruthy();
  expect(screen.getByRole('link', { name: 'Online now: 7' })).toBeTruthy();
  expect(screen.getByRole('table', { name: 'Signed-in devices by platform' }).textContent).toContain('Windows');
  expect(screen.getAllByText('No one is signed in.')).toHaveLength(1);
});

test('an error shows the server reason and the way back to the profile', async () => {
  mockIPC((cmd) => {
    if (cmd === 'dashboard_get') throw { code: 'unauthorized', message: 'Token rejected: expired' };
  });
  render(Dashboard);
  expect((await screen.findByRole('alert')).textContent).toContain('Token rejected: expired');
  expect(screen.getByRole('link', { name: 'Check the profile' })).toBeTruthy();
  expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
});
