// The inverse of the last applied peer change set, kept while the app runs (across pages).
import type { PeerChanges } from '$lib/ipc';

export const lastApply = $state<{ undo: PeerChanges | null }>({ undo: null });
