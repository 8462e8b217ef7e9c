// Group chat flags: named switches over a 32-bit word whose unknown bits are kept.
import type { GroupChatFlag } from '$lib/ipc';

/** `flags` with `bit` switched on or off; every other bit (unknown ones too) kept. */
export function withFlag(flags: number, bit: number, on: boolean): number {
  return (on ? flags | bit : flags & ~bit) >>> 0;
}

export function has(flags: number, bit: number): boolean {
  return ((flags & bit) >>> 0) !== 0;
}

/** The bits no named flag covers (kept as they are), 0 when none. */
export function unknownBits(flags: number, catalogue: GroupChatFlag[]): number {
  const known = catalogue.reduce((m, f) => (m | f.bit) >>> 0, 0);
  return (flags & ~known) >>> 0;
}

/** The named flags that are set, for badges. */
export function setFlags(flags: number, catalogue: GroupChatFlag[]): GroupChatFlag[] {
  return catalogue.filter((f) => has(flags, f.bit));
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
