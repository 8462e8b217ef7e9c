import { expect, test } from 'vitest';
import type { HistoryWeek } from '$lib/ipc';
import { busiest, calendar, heat, isoWeekOf, mergeWeeks, range, weekLabel, weeksInYear } from './calendar';

const w = (year: number, week: number, messages: number, withWhom = '#c@x'): HistoryWeek => ({
  conversation: `conv-${withWhom}`,
  with: withWhom,
  year,
  week,
  messages,
  monday: '',
});

test('ISO years have 52 or 53 weeks', () => {
  expect(weeksInYear(2015)).toBe(53); // starts on a Thursday
  expect(weeksInYear(2020)).toBe(53); // leap year starting on a Wednesday
  expect(weeksInYear(2016)).toBe(52);
  expect(weeksInYear(2021)).toBe(52);
});

test('ISO week of a date, across the year boundary', () => {
  expect(isoWeekOf(new Date(Date.UTC(2016, 4, 25)))).toEqual({ year: 2016, week: 21 });
  expect(isoWeekOf(new Date(Date.UTC(2021, 0, 3)))).toEqual({ year: 2020, week: 53 });
  expect(isoWeekOf(new Date(Date.UTC(2024, 11, 30)))).toEqual({ year: 2025, week: 1 });
});

test("a user's conversations merge into one cell per week, oldest first", () => {
  const cells = mergeWeeks([w(2016, 21, 2, 'a@x'), w(2016, 20, 3, 'a@x'), w(2016, 21, 5, 'b@x')]);
  expect(cells.map((c) => [weekLabel(c), c.messages, c.parts.length])).toEqual([
    ['2016-W20', 3, 1],
    ['2016-W21', 7, 2],
  ]);
});

test('the calendar has a row per year (gaps included, newest first) with weeks in place', () => {
  const rows = calendar(mergeWeeks([w(2014, 1, 4), w(2016, 53 - 1, 9), w(2016, 2, 1)]));
  expect(rows.map((r) => [r.year, r.total, r.cells.length])).toEqual([
    [2016, 10, 52],
    [2015, 0, 53],
    [2014, 4, 52],
  ]);
  expect(rows[0].cells[1]?.messages).toBe(1);
  expect(rows[0].cells[51]?.messages).toBe(9);
  expect(rows[0].cells[0]).toBeNull();
  expect(calendar([])).toEqual([]);
});

test('heat shades against the busiest week; the busiest weeks are picked out', () => {
  expect(heat(0, 10)).toBe(0);
  expect(heat(1, 100)).toBe(1);
  expect(heat(50, 100)).toBe(2);
  expect(heat(100, 100)).toBe(4);
  const cells = mergeWeeks([w(2016, 1, 5), w(2016, 2, 50), w(2016, 3, 5), w(2016, 4, 20)]);
  expect(busiest(cells, 2).map(weekLabel)).toEqual(['2016-W02', '2016-W04']);
  // a tie goes to the newer week
  expect(busiest(cells, 4).map(weekLabel)).toEqual(['2016-W02', '2016-W04', '2016-W03', '2016-W01']);
});

test('a range of weeks works in either order', () => {
  const cells = mergeWeeks([w(2015, 52, 1), w(2016, 1, 1), w(2016, 2, 1), w(2016, 3, 1)]);
  expect(range(cells, cells[2], cells[0]).map(weekLabel)).toEqual(['2015-W52', '2016-W01', '2016-W02']);
});
