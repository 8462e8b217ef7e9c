// What a history deletion will lose, and the phrase the administrator types to confirm it.
// Pure functions (tested).

export type Deletion =
  | { kind: 'block'; count: number; week: string }
  | { kind: 'week'; week: string; messages: number }
  | { kind: 'all'; owner: string; messages: number; weeks: number }
  | { kind: 'members'; count: number; chat: string };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The exact words to type. */
export function confirmPhrase(d: Deletion): string {
  switch (d.kind) {
    case 'block':
      return `delete ${plural(d.count, 'message')}`;
    case 'week':
      return `delete week ${d.week}`;
    case 'all':
      return `delete all history of ${d.owner}`;
    case 'members':
      return `remove ${plural(d.count, 'member')}`;
  }
}

/** A sentence naming what will be lost. */
export function lossText(d: Deletion): string {
  switch (d.kind) {
    case 'block':
      return `${plural(d.count, 'selected message')} of week ${d.week} will be deleted from the server. This cannot be undone.`;
    case 'week':
      return `All ${plural(d.messages, 'message')} of week ${d.week} will be deleted from the server. This cannot be undone.`;
    case 'all':
      return `The whole message history of ${d.owner} — ${plural(d.messages, 'message')} in ${plural(d.weeks, 'week')} — will be deleted from the server. This cannot be undone.`;
    case 'members':
      return `${plural(d.count, 'member')} will be removed from ${d.chat}. They can be added again later.`;
  }
}

/** Whether history deletion should offer an export first (member removal loses no messages). */
export function offersExport(d: Deletion): boolean {
  return d.kind !== 'members';
}

/** Whether `typed` confirms `d`: the phrase exactly, ignoring surrounding and repeated spaces. */
export function confirmed(typed: string, d: Deletion): boolean {
  return typed.trim().replace(/\s+/g, ' ') === confirmPhrase(d);
}
