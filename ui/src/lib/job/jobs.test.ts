import { expect, test } from 'vitest';
import { applyEvent, percent, type JobView } from './jobs.svelte';

const base: JobView = {
  key: 1,
  jobId: null,
  title: 'x',
  done: 0,
  total: null,
  item: null,
  state: 'running',
  message: '',
};

test('channel events drive the job view', () => {
  let j = applyEvent(base, { kind: 'started', jobId: 'job-1', title: 'Import', total: 4 });
  expect(j).toMatchObject({ jobId: 'job-1', title: 'Import', total: 4 });
  j = applyEvent(j, { kind: 'progress', done: 2, total: 4, item: 'ann@example.com' });
  expect(percent(j)).toBe(50);
  expect(j.item).toBe('ann@example.com');
  j = applyEvent(j, { kind: 'finished', ok: false, message: 'Server said no' });
  expect(j.state).toBe('failed');
  expect(j.message).toBe('Server said no');
});

test('unknown totals give no percentage, never more than 100', () => {
  expect(percent({ done: 3, total: null })).toBeNull();
  expect(percent({ done: 3, total: 0 })).toBeNull();
  expect(percent({ done: 9, total: 4 })).toBe(100);
});
