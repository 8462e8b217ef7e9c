import { expect, test } from 'vitest';
import type { GroupChatFlag } from '$lib/ipc';
import { hex, setFlags, unknownBits, withFlag } from './flags';

const catalogue: GroupChatFlag[] = [
  { name: 'GROUPCHAT_DELETED', bit: 0x1, label: 'Deleted', explanation: '' },
  { name: 'GROUPCHAT_DISABLE_TOPIC_SET', bit: 0x200, label: 'Lock topic', explanation: '' },
];

test('switching a named flag keeps unknown bits, including the top bit', () => {
  const word = 0x8000_0010;
  const on = withFlag(word, 0x200, true);
  expect(on).toBe(0x8000_0210);
  expect(withFlag(on, 0x200, false)).toBe(word);
  expect(unknownBits(on, catalogue)).toBe(0x8000_0010);
  expect(hex(unknownBits(on, catalogue))).toBe('0x80000010');
  expect(setFlags(on, catalogue).map((f) => f.label)).toEqual(['Lock topic']);
});
