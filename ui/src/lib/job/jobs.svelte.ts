// Long jobs the user started: fed by their Tauri channel, shown in the progress area.
import { ipc, toAppError, type JobEvent } from '$lib/ipc';

export type JobView = {
  key: number;
  jobId: string | null;
  title: string;
  done: number;
  total: number | null;
  item: string | null;
  state: 'running' | 'done' | 'failed';
  message: string;
};

let nextKey = 1;

/** Applies one channel event to a job's view (pure, for tests). */
export function applyEvent(job: JobView, event: JobEvent): JobView {
  switch (event.kind) {
    case 'started':
      return { ...job, jobId: event.jobId, title: event.title, total: event.total ?? null };
    case 'progress':
      return { ...job, done: event.done, total: event.total ?? job.total, item: event.item ?? null };
    case 'finished':
      return { ...job, state: event.ok ? 'done' : 'failed', message: event.message };
  }
}

/** Percentage for a progress bar, or null when the total is unknown. */
export function percent(job: Pick<JobView, 'done' | 'total'>): number | null {
  if (job.total === null || job.total <= 0) return null;
  return Math.min(100, Math.round((job.done / job.total) * 100));
}

class Jobs {
  list = $state<JobView[]>([]);

  /** Runs `start` with a channel callback, tracking the job until it ends. */
  async run(title: string, start: (onEvent: (e: JobEvent) => void) => Promise<unknown>) {
    const key = nextKey++;
    const view: JobView = {
      key,
      jobId: null,
      title,
      done: 0,
      total: null,
      item: null,
      state: 'running',
      message: '',
    };
    this.list = [...this.list, view];
    const update = (f: (j: JobView) => JobView) => {
      this.list = this.list.map((j) => (j.key === key ? f(j) : j));
    };
    try {
      await start((event) => update((j) => applyEvent(j, event)));
      update((j) => (j.state === 'running' ? { ...j, state: 'done' } : j));
    } catch (e) {
      const err = toAppError(e);
      update((j) => ({ ...j, state: 'failed', message: j.message || err.message }));
      throw err;
    }
  }

  async cancel(job: JobView) {
    if (job.jobId) await ipc.cancelJob(job.jobId);
  }

  dismiss(key: number) {
    this.list = this.list.filter((j) => j.key !== key);
  }
}

export const jobs = new Jobs();
