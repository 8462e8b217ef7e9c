import { expect, test } from 'vitest';
import { confirmPhrase, confirmed, lossText, offersExport, type Deletion } from './confirm';

test('each deletion names what will be lost and asks for its own phrase', () => {
  const block: Deletion = { kind: 'block', count: 3, week: '2016-W20' };
  const one: Deletion = { kind: 'block', count: 1, week: '2016-W20' };
  const week: Deletion = { kind: 'week', week: '2016-W20', messages: 42 };
  const all: Deletion = { kind: 'all', owner: 'General', messages: 1200, weeks: 6 };
  expect(confirmPhrase(block)).toBe('delete 3 messages');
  expect(confirmPhrase(one)).toBe('delete 1 message');
  expect(confirmPhrase(week)).toBe('delete week 2016-W20');
  expect(confirmPhrase(all)).toBe('delete all history of General');
  expect(lossText(week)).toContain('42 messages of week 2016-W20');
  expect(lossText(all)).toContain('1200 messages in 6 weeks');
  expect(lossText(one)).toContain('1 selected message of');
});

test('only the exact phrase confirms (spaces forgiven, case and words not)', () => {
  const week: Deletion = { kind: 'week', week: '2016-W20', messages: 42 };
  expect(confirmed('delete week 2016-W20', week)).toBe(true);
  expect(confirmed('  delete   week 2016-W20 ', week)).toBe(true);
  expect(confirmed('delete week 2016-W21', week)).toBe(false);
  expect(confirmed('Delete week 2016-W20', week)).toBe(false);
  expect(confirmed('', week)).toBe(false);
  // A phrase for one deletion does not confirm another.
  expect(confirmed('delete 3 messages', { kind: 'block', count: 4, week: '2016-W20' })).toBe(false);
});

test('history deletions offer an export first; removing members does not need one', () => {
  expect(offersExport({ kind: 'week', week: 'x', messages: 1 })).toBe(true);
  expect(offersExport({ kind: 'all', owner: 'x', messages: 1, weeks: 1 })).toBe(true);
  expect(offersExport({ kind: 'members', count: 2, chat: 'General' })).toBe(false);
});
