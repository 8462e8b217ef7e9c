// A value loaded over IPC, with its loading and error state.
import { toAppError, type AppError } from '$lib/ipc';

export class Resource<T> {
  data = $state<T | null>(null);
  loading = $state(true);
  error = $state<AppError | null>(null);
  #fetch: () => Promise<T>;

  constructor(fetch: () => Promise<T>) {
    this.#fetch = fetch;
  }

  load = async (): Promise<void> => {
    this.loading = true;
    this.error = null;
    try {
      this.data = await this.#fetch();
    } catch (e) {
      this.error = toAppError(e);
    } finally {
      this.loading = false;
    }
  };
}
