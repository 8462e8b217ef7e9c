import { expect, test } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { createRawSnippet } from 'svelte';
import AsyncState from './AsyncState.svelte';
import { AppError } from '$lib/ipc';

const children = createRawSnippet(() => ({ render: () => '<p>content</p>' }));

test('shows loading, then the server reason on error, then empty, then content', async () => {
  const { rerender } = render(AsyncState, { loading: true, error: null, what: 'users', children });
  expect(screen.getByRole('status').textContent).toContain('Loading users');
  await rerender({ loading: false, error: new AppError('server', 'Domain is suspended') });
  expect(screen.getByRole('alert').textContent).toContain('Domain is suspended');
  await rerender({ loading: false, error: null, empty: true, emptyText: 'No users in this domain.' });
  expect(screen.getByText('No users in this domain.')).toBeTruthy();
  await rerender({ loading: false, error: null, empty: false });
  expect(screen.getByText('content')).toBeTruthy();
});
