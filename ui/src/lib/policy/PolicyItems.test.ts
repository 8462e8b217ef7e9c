import { afterEach, expect, test } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import type { PolicyView } from '$lib/ipc';
import PolicyItems from './PolicyItems.svelte';

afterEach(() => clearMocks());

const policy: PolicyView = {
  id: 4,
  name: 'Staff',
  text: 'trillian.plugin.msn 0\n\nacme.motd Grüß Gott\ntrillian.filetransfer server\n',
  lines: [
    { line: 0, verbatim: false, key: 'trillian.plugin.msn', value: '0', description: 'Let clients connect to MSN', control: { kind: 'switch' } },
    { line: 1, verbatim: true, key: '', value: '', description: null, control: { kind: 'text' } },
    { line: 2, verbatim: false, key: 'acme.motd', value: 'Grüß Gott', description: null, control: { kind: 'text' } },
    { line: 3, verbatim: false, key: 'trillian.filetransfer', value: 'server', description: 'How clients send files', control: { kind: 'choice', options: ['server', 'disabled'] } },
  ],
};

test('known keys get controls, unknown keys text, other lines are shown as kept', () => {
  render(PolicyItems, { policy, onsaved: () => {} });
  expect(screen.getByRole('switch', { name: 'trillian.plugin.msn' })).toBeTruthy();
  expect(screen.getByRole('combobox', { name: 'trillian.filetransfer' })).toBeTruthy();
  expect((screen.getByRole('textbox', { name: 'acme.motd' }) as HTMLInputElement).value).toBe('Grüß Gott');
  expect(screen.getByText(/\(blank line\)/)).toBeTruthy();
});

test('a switch edit is saved as one key edit, and shown as a diff first', async () => {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === 'policy_edit_diff')
      return { rows: [{ key: 'trillian.plugin.msn', left: '0', right: '1', change: 'changed', description: null }], sameText: false };
    if (cmd === 'policy_edit') return { ...policy, lines: policy.lines.map((l) => (l.line === 0 ? { ...l, value: '1' } : l)) };
  });
  let saved: PolicyView | null = null;
  render(PolicyItems, { policy, onsaved: (p: PolicyView) => (saved = p) });
  await fireEvent.click(screen.getByRole('switch', { name: 'trillian.plugin.msn' }));
  await fireEvent.click(screen.getByRole('button', { name: 'Show changes' }));
  const diff = await screen.findByRole('table', { name: /Differences between Saved and After this edit/ });
  expect(diff.textContent).toContain('trillian.plugin.msn');
  await fireEvent.click(screen.getByRole('button', { name: 'Save 1 change' }));
  await screen.findByRole('button', { name: 'Save 0 changes' });
  expect(calls.find((c) => c.cmd === 'policy_edit')?.args).toEqual({
    id: 4,
    editsIn: [{ key: 'trillian.plugin.msn', value: '1' }],
  });
  expect(saved).not.toBeNull();
});
