import { expect, test } from 'vitest';
import { age, statusTone, statusWord } from './status';

test('known statuses have words and colours; unknown numbers are shown raw', () => {
  expect(statusWord(3)).toBe('Do not disturb');
  expect(statusTone(1)).toBe('online');
  expect(statusWord(9)).toBe('9');
  expect(statusTone(9)).toBe('unknown');
});

test('ages read like people say them', () => {
  const now = 1_000_000 * 1000;
  expect(age(1_000_000 - 30, now)).toBe('30 s ago');
  expect(age(1_000_000 - 7200, now)).toBe('2 h ago');
  expect(age(0, now)).toBe('—');
});
