import { expect, test } from 'vitest';
import type { MediaRow } from '$lib/ipc';
import {
  applyMediaEvent,
  arrange,
  bulkConfirmation,
  defaultView,
  filePercent,
  formatSize,
  newUpload,
  overall,
} from './gallery';

const row = (name: string, kind: string, contentType: string, size: number, createdAt: number): MediaRow => ({
  id: `id-${name}`,
  name,
  contentType,
  kind,
  size,
  createdAt,
  expiresAt: 0,
  thumbnail: '',
});

const rows = [
  row('b.png', 'image', 'image/png', 500, 30),
  row('a.pdf', 'document', 'application/pdf', 9000, 10),
  row('c.mp4', 'video', 'video/mp4', 70000, 20),
  row('D.jpg', 'image', 'image/jpeg', 500, 40),
];
const names = (r: MediaRow[]) => r.map((x) => x.name);

test('largest first, ties by name; newest first by default', () => {
  expect(names(arrange(rows, { ...defaultView, sort: 'largest' }))).toEqual(['c.mp4', 'a.pdf', 'b.png', 'D.jpg']);
  expect(names(arrange(rows, defaultView))).toEqual(['D.jpg', 'b.png', 'c.mp4', 'a.pdf']);
  expect(names(arrange(rows, { ...defaultView, sort: 'name' }))).toEqual(['a.pdf', 'b.png', 'c.mp4', 'D.jpg']);
  expect(names(arrange(rows, { ...defaultView, sort: 'type' }))[0]).toBe('a.pdf');
});

test('filters by type, size, date and name', () => {
  expect(names(arrange(rows, { ...defaultView, kind: 'image', sort: 'oldest' }))).toEqual(['b.png', 'D.jpg']);
  expect(names(arrange(rows, { ...defaultView, minSize: 501, createdFrom: 15, createdBefore: 40 }))).toEqual([
    'c.mp4',
  ]);
  expect(names(arrange(rows, { ...defaultView, search: ' PDF ' }))).toEqual(['a.pdf']);
  expect(arrange(rows, { ...defaultView, kind: 'audio' })).toEqual([]);
  expect(rows.map((r) => r.name)).toEqual(['b.png', 'a.pdf', 'c.mp4', 'D.jpg']); // input untouched
});

test('sizes for people', () => {
  expect(formatSize(999)).toBe('999 B');
  expect(formatSize(1536)).toBe('1.5 KB');
  expect(formatSize(160 * 1024 * 1024)).toBe('160 MB');
});

test('upload events drive per-file and overall progress', () => {
  let u = newUpload('x');
  u = applyMediaEvent(u, {
    kind: 'started',
    jobId: 'job-1',
    title: 'Uploading 2 file(s)',
    files: [
      { index: 0, name: 'a.jpg', size: 100 },
      { index: 1, name: 'b.txt', size: 300 },
    ],
  });
  expect(overall(u)).toBe(0);
  u = applyMediaEvent(u, { kind: 'bytes', index: 1, done: 150, total: 300 });
  expect(filePercent(u.files[1])).toBe(50);
  expect(u.files[1].status).toBe('running');
  u = applyMediaEvent(u, { kind: 'file', item: 'a.jpg', finished: 1, total: 2, status: 'done', message: '800×600' });
  expect(u.files[0]).toMatchObject({ status: 'done', done: 100, message: '800×600' });
  expect(overall(u)).toBe(63);
  u = applyMediaEvent(u, { kind: 'finished', ok: false, message: '1 uploaded, cancelled' });
  expect(u.state).toBe('failed');
  expect(u.files[1].status).toBe('cancelled');
});

test('bulk delete confirmation names the count', () => {
  expect(bulkConfirmation(3)).toBe('delete 3 items');
});
