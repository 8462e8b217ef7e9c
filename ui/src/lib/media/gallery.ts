// The media gallery's pure parts: filter and order, sizes and dates for people, upload progress.
import type { MediaJobEvent, MediaRow } from '$lib/ipc';

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'other';
export type MediaSort = 'newest' | 'oldest' | 'largest' | 'smallest' | 'name' | 'type';

export type MediaView = {
  kind: MediaKind | 'all';
  sort: MediaSort;
  search: string;
  /** Bytes; null for no bound. */
  minSize: number | null;
  /** Unix seconds; items created at or after. */
  createdFrom: number | null;
  /** Unix seconds; items created before. */
  createdBefore: number | null;
};

export const defaultView: MediaView = {
  kind: 'all',
  sort: 'newest',
  search: '',
  minSize: null,
  createdFrom: null,
  createdBefore: null,
};

export const SORTS: { value: MediaSort; label: string }[] = [
  { value: 'newest', label: 'Newest first' },
  { value: 'oldest', label: 'Oldest first' },
  { value: 'largest', label: 'Largest first' },
  { value: 'smallest', label: 'Smallest first' },
  { value: 'name', label: 'Name' },
  { value: 'type', label: 'Type' },
];

export const KINDS: { value: MediaKind | 'all'; label: string }[] = [
  { value: 'all', label: 'All types' },
  { value: 'image', label: 'Images' },
  { value: 'video', label: 'Videos' },
  { value: 'audio', label: 'Audio' },
  { value: 'document', label: 'Documents' },
  { value: 'other', label: 'Other' },
];

const byName = (a: MediaRow, b: MediaRow) =>
  a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The rows a view shows, in its order (ties by name, then id: stable while scrolling). */
export function arrange(rows: readonly MediaRow[], view: MediaView): MediaRow[] {
  const needle = view.search.trim().toLowerCase();
  const out = rows.filter(
    (r) =>
      (view.kind === 'all' || r.kind === view.kind) &&
      (view.minSize === null || r.size >= view.minSize) &&
      (view.createdFrom === null || r.createdAt >= view.createdFrom) &&
      (view.createdBefore === null || r.createdAt < view.createdBefore) &&
      (needle === '' || r.name.toLowerCase().includes(needle)),
  );
  const cmp: Record<MediaSort, (a: MediaRow, b: MediaRow) => number> = {
    newest: (a, b) => b.createdAt - a.createdAt || byName(a, b),
    oldest: (a, b) => a.createdAt - b.createdAt || byName(a, b),
    largest: (a, b) => b.size - a.size || byName(a, b),
    smallest: (a, b) => a.size - b.size || byName(a, b),
    name: byName,
    type: (a, b) => a.contentType.localeCompare(b.contentType) || byName(a, b),
  };
  return out.sort(cmp[view.sort]);
}

/** 1536 → "1.5 KB" (binary multiples, one decimal below 10). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** Unix seconds as a local date and time; 0 is "never". */
export function formatTime(seconds: number): string {
  if (!seconds) return 'never';
  return new Date(seconds * 1000).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}

export type FileProgress = {
  name: string;
  size: number;
  done: number;
  status: 'waiting' | 'running' | 'done' | 'skipped' | 'failed' | 'cancelled';
  message: string;
};

export type UploadView = {
  jobId: string | null;
  title: string;
  files: FileProgress[];
  state: 'running' | 'done' | 'failed';
  message: string;
};

export function newUpload(title: string): UploadView {
  return { jobId: null, title, files: [], state: 'running', message: '' };
}

/** Applies one job channel event (pure, for tests). */
export function applyMediaEvent(u: UploadView, e: MediaJobEvent): UploadView {
  switch (e.kind) {
    case 'started':
      return {
        ...u,
        jobId: e.jobId,
        title: e.title,
        files: e.files.map((f) => ({ name: f.name, size: f.size, done: 0, status: 'waiting', message: '' })),
      };
    case 'bytes':
      return {
        ...u,
        files: u.files.map((f, i) =>
          i === e.index ? { ...f, done: e.done, size: e.total || f.size, status: 'running' } : f,
        ),
      };
    case 'file': {
      // Results come by name; the first file of that name not yet finished takes it.
      const at = u.files.findIndex((f) => f.name === e.item && (f.status === 'waiting' || f.status === 'running'));
      if (at < 0) return u;
      const status = (['done', 'skipped', 'failed', 'cancelled'] as const).find((s) => s === e.status) ?? 'failed';
      return {
        ...u,
        files: u.files.map((f, i) =>
          i === at ? { ...f, status, message: e.message, done: status === 'done' ? f.size : f.done } : f,
        ),
      };
    }
    case 'finished':
      return {
        ...u,
        state: e.ok ? 'done' : 'failed',
        message: e.message,
        files: u.files.map((f) =>
          f.status === 'waiting' || f.status === 'running' ? { ...f, status: 'cancelled' } : f,
        ),
      };
  }
}

/** Overall percentage of an upload, by bytes (null while nothing is known). */
export function overall(u: UploadView): number | null {
  const total = u.files.reduce((s, f) => s + f.size, 0);
  if (total <= 0) return u.files.length ? null : null;
  const done = u.files.reduce((s, f) => s + Math.min(f.done, f.size), 0);
  return Math.min(100, Math.round((done / total) * 100));
}

/** Percentage of one file. */
export function filePercent(f: FileProgress): number {
  if (f.size <= 0) return f.status === 'done' ? 100 : 0;
  return Math.min(100, Math.round((f.done / f.size) * 100));
}

/** The words that confirm deleting `n` items (the Rust side checks the same). */
export function bulkConfirmation(n: number): string {
  return `delete ${n} items`;
}
