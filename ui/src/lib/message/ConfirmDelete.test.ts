import { expect, test, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import ConfirmDelete from './ConfirmDelete.svelte';

test('the delete button waits for the exact phrase; export is offered first', async () => {
  const onconfirm = vi.fn(async () => {});
  const onexport = vi.fn(async () => true);
  render(ConfirmDelete, {
    deletion: { kind: 'week', week: '2016-W20', messages: 3 },
    onconfirm,
    oncancel: () => {},
    onexport,
  });
  expect(screen.getByText(/All 3 messages of week 2016-W20 will be deleted/)).toBeTruthy();
  const button = screen.getByRole('button', { name: 'Delete' }) as HTMLButtonElement;
  const input = screen.getByRole('textbox', { name: /Type delete week 2016-W20 to confirm/ });
  expect(button.disabled).toBe(true);
  await fireEvent.input(input, { target: { value: 'delete week 2016-W2' } });
  expect(button.disabled).toBe(true);
  await fireEvent.click(screen.getByRole('button', { name: 'Export first…' }));
  expect(onexport).toHaveBeenCalledOnce();
  expect(await screen.findByText('Exported')).toBeTruthy();
  await fireEvent.input(input, { target: { value: 'delete week 2016-W20' } });
  expect(button.disabled).toBe(false);
  await fireEvent.click(button);
  expect(onconfirm).toHaveBeenCalledOnce();
});

test('removing members needs its phrase and offers no export', () => {
  render(ConfirmDelete, {
    deletion: { kind: 'members', count: 2, chat: 'General' },
    onconfirm: async () => {},
    oncancel: () => {},
    onexport: async () => true,
  });
  expect(screen.queryByRole('button', { name: 'Export first…' })).toBeNull();
  expect(screen.getByRole('button', { name: 'Remove' })).toBeTruthy();
  expect(screen.getByText('remove 2 members')).toBeTruthy();
});
