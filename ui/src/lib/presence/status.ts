// Presence statuses as DECISIONS.md names them; unknown numbers are shown as they are.
export const STATUSES: readonly { code: number; word: string; tone: string }[] = [
  { code: 0, word: 'Offline', tone: 'offline' },
  { code: 1, word: 'Online', tone: 'online' },
  { code: 2, word: 'Away', tone: 'away' },
  { code: 3, word: 'Do not disturb', tone: 'busy' },
  { code: 4, word: 'Invisible', tone: 'invisible' },
  { code: 5, word: 'Idle', tone: 'away' },
];

/** The word for a status number, or the number itself when it has none. */
export function statusWord(code: number): string {
  return STATUSES.find((s) => s.code === code)?.word ?? String(code);
}

/** The colour class of a status ('unknown' for numbers without a word). */
export function statusTone(code: number): string {
  return STATUSES.find((s) => s.code === code)?.tone ?? 'unknown';
}

/** "3 min ago" style age of a unix-seconds time, against `now` (ms). */
export function age(secs: number, now = Date.now()): string {
  if (!secs) return '—';
  const d = Math.max(0, Math.round(now / 1000 - secs));
  if (d < 60) return `${d} s ago`;
  if (d < 3600) return `${Math.floor(d / 60)} min ago`;
  if (d < 86400) return `${Math.floor(d / 3600)} h ago`;
  return `${Math.floor(d / 86400)} d ago`;
}
