// The weeks of a history laid out as a calendar: one row per year, one cell per ISO week,
// shaded by message count, with the busiest weeks picked out. Pure functions (tested).
import type { HistoryWeek } from '$lib/ipc';

/** One ISO week of a history; a user's history may hold it once per conversation partner. */
export type WeekCell = {
  year: number;
  week: number;
  monday: string;
  messages: number;
  /** The conversations with messages in this week (one for a group chat). */
  parts: HistoryWeek[];
};

export type YearRow = {
  year: number;
  total: number;
  /** Index i is ISO week i + 1; null where the week has no messages. */
  cells: (WeekCell | null)[];
};

/** `2016-W05`. */
export function weekLabel(w: { year: number; week: number }): string {
  return `${w.year}-W${String(w.week).padStart(2, '0')}`;
}

/** Number of ISO weeks in `year` (52 or 53): 53 when the year starts on a Thursday, or on a
 *  Wednesday in a leap year. */
export function weeksInYear(year: number): 52 | 53 {
  const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay(); // 0 = Sunday
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
}

/** The ISO week of a date (in UTC). */
export function isoWeekOf(date: Date): { year: number; week: number } {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day); // the Thursday of this week decides the year
  const year = d.getUTCFullYear();
  const week = Math.ceil(((d.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return { year, week };
}

/** Merges the conversations' weeks into one cell per ISO week, oldest first. */
export function mergeWeeks(weeks: HistoryWeek[]): WeekCell[] {
  const byKey = new Map<string, WeekCell>();
  for (const w of weeks) {
    const key = `${w.year}-${w.week}`;
    const cell = byKey.get(key) ?? { year: w.year, week: w.week, monday: w.monday, messages: 0, parts: [] };
    cell.messages += w.messages;
    cell.parts.push(w);
    byKey.set(key, cell);
  }
  return [...byKey.values()].sort((a, b) => a.year - b.year || a.week - b.week);
}

/** One row per year from the first to the last year with messages (gap years included, so
 *  that the calendar does not hide time), newest year first. */
export function calendar(cells: WeekCell[]): YearRow[] {
  if (cells.length === 0) return [];
  const first = cells[0].year;
  const last = cells[cells.length - 1].year;
  const rows: YearRow[] = [];
  for (let year = last; year >= first; year--) {
    const slots: (WeekCell | null)[] = Array.from({ length: weeksInYear(year) }, () => null);
    let total = 0;
    for (const c of cells) {
      if (c.year !== year || c.week < 1 || c.week > slots.length) continue;
      slots[c.week - 1] = c;
      total += c.messages;
    }
    rows.push({ year, total, cells: slots });
  }
  return rows;
}

/** Shade 0 (none) to 4 (the busiest) of a count against the busiest week. */
export function heat(messages: number, max: number): 0 | 1 | 2 | 3 | 4 {
  if (messages <= 0 || max <= 0) return 0;
  return Math.min(4, Math.max(1, Math.ceil((4 * messages) / max))) as 1 | 2 | 3 | 4;
}

/** The `n` busiest weeks, most messages first (the newer week first on a tie). */
export function busiest(cells: WeekCell[], n = 5): WeekCell[] {
  return [...cells]
    .filter((c) => c.messages > 0)
    .sort((a, b) => b.messages - a.messages || b.year - a.year || b.week - a.week)
    .slice(0, n);
}

/** The weeks from `from` to `to` (inclusive, either order) among `cells`. */
export function range(cells: WeekCell[], from: WeekCell, to: WeekCell): WeekCell[] {
  const k = (c: { year: number; week: number }) => c.year * 100 + c.week;
  const [lo, hi] = k(from) <= k(to) ? [k(from), k(to)] : [k(to), k(from)];
  return cells.filter((c) => k(c) >= lo && k(c) <= hi);
}
