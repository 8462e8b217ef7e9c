import { expect, test } from 'vitest';
import { blockers, filterRows, mapField, summary } from './importPreview';
import type { ImportMappingView, PreviewRowView } from '$lib/ipc';

const none: ImportMappingView = {
  im: null,
  password: null,
  email: null,
  displayName: null,
  group: null,
  policy: null,
};

function r(line: number, state: string): PreviewRowView {
  return { line, address: `a${line}`, displayName: '', email: '', group: '', state, problems: [] };
}

test('the import cannot run without an address column and passwords', () => {
  expect(blockers(none, false)).toHaveLength(2);
  const m = mapField(mapField(none, 'im', 0), 'password', 1);
  expect(blockers(m, false)).toEqual([]);
  expect(blockers(mapField(none, 'im', 0), true)).toEqual([]);
  expect(blockers(mapField(m, 'email', 0), false)).toEqual(['A column is mapped to two fields.']);
});

test('the preview is summed up and filtered by what will happen', () => {
  expect(summary({ total: 5, new: 2, existing: 1, invalid: 2 })).toBe(
    '5 rows: 2 to create, 1 already there (skipped), 2 with problems',
  );
  const rows = [r(2, 'new'), r(3, 'invalid'), r(4, 'exists'), r(5, 'duplicate')];
  expect(filterRows(rows, 'invalid').map((x) => x.line)).toEqual([3]);
  expect(filterRows(rows, 'skipped').map((x) => x.line)).toEqual([4, 5]);
  expect(filterRows(rows, 'all')).toHaveLength(4);
});
