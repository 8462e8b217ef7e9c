import { afterEach, expect, test } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { AppError, ipc, toAppError } from './index';

afterEach(() => clearMocks());

test('a command error becomes an AppError with the code and the server reason', async () => {
  mockIPC((cmd) => {
    if (cmd === 'dashboard_get') throw { code: 'unauthorized', message: 'Token rejected by server' };
  });
  const err = await ipc.dashboard().catch((e) => e);
  expect(err).toBeInstanceOf(AppError);
  expect(err.code).toBe('unauthorized');
  expect(err.message).toBe('Token rejected by server');
});

test('framework rejections (plain strings, e.g. an ACL refusal) become internal AppErrors', async () => {
  mockIPC(() => {
    throw 'users_list not allowed. Command not found';
  });
  const err = await ipc.usersLoad(false).catch((e) => e);
  expect(err).toBeInstanceOf(AppError);
  expect(err.code).toBe('internal');
  expect(err.message).toContain('not allowed');
});

test('results are unwrapped', async () => {
  mockIPC((cmd, args) => {
    if (cmd === 'journal_list') return [{ at: 'x', profile: 'p', action: 'a', target: 't', ok: true, detail: '', limit: (args as { limit: number }).limit }];
  });
  const rows = await ipc.journal(5);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ action: 'a', limit: 5 });
});

test('toAppError keeps unknown codes out', () => {
  expect(toAppError({ code: 'weird', message: 'm' }).code).toBe('internal');
  expect(toAppError(new Error('boom')).message).toBe('boom');
  expect(toAppError(undefined).message).toBe('Something went wrong.');
});
