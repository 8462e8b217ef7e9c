// The users screen's list: the rows live in Rust (searched, filtered, sorted there); this keeps
// only the pages of rows around the viewport, and asks for more as the user scrolls.
import {
  ipc,
  toAppError,
  type AppError,
  type UserFacetsView,
  type UserQueryInput,
  type UserRowView,
  type UserSortColumn,
} from '$lib/ipc';

/** Rows per request. */
export const PAGE = 100;
/** Height of one row in pixels (the virtual scroll depends on it being fixed). */
export const ROW_HEIGHT = 34;

export type ColumnId = UserSortColumn;

export type Column = {
  id: ColumnId;
  label: string;
  value: (row: UserRowView) => string;
  width: string;
};

const date = (secs: number) => (secs > 0 ? new Date(secs * 1000).toISOString().slice(0, 10) : '');

export const COLUMNS: readonly Column[] = [
  { id: 'address', label: 'IM address', value: (r) => r.address, width: '2fr' },
  { id: 'displayName', label: 'Display name', value: (r) => r.displayName, width: '1.6fr' },
  { id: 'email', label: 'E-mail', value: (r) => r.email, width: '1.8fr' },
  { id: 'group', label: 'Group', value: (r) => r.groupName, width: '1.2fr' },
  { id: 'policy', label: 'Policy', value: (r) => r.policyName || 'Inherited', width: '1.2fr' },
  { id: 'disabled', label: 'Disabled', value: (r) => (r.disabled ? 'Disabled' : ''), width: '0.8fr' },
  { id: 'status', label: 'Presence', value: (r) => r.statusLabel, width: '1fr' },
  { id: 'created', label: 'Created', value: (r) => date(r.createdAt), width: '1fr' },
];

export const DEFAULT_COLUMNS: ColumnId[] = [
  'address',
  'displayName',
  'email',
  'group',
  'disabled',
  'status',
  'created',
];

export type Filters = {
  group: number | null;
  policy: number | null;
  disabled: boolean | null;
  status: number | null;
};

export const NO_FILTERS: Filters = { group: null, policy: null, disabled: null, status: null };

/** The query for one window of rows. */
export function buildQuery(
  search: string,
  sort: UserSortColumn,
  descending: boolean,
  filters: Filters,
  offset: number,
  limit: number,
): UserQueryInput {
  return { search, sort, descending, ...filters, offset, limit };
}

/** Clicking a column header: sort by it, or flip the direction when it already sorts. */
export function toggleSort(
  current: { sort: UserSortColumn; descending: boolean },
  column: UserSortColumn,
): { sort: UserSortColumn; descending: boolean } {
  return current.sort === column
    ? { sort: column, descending: !current.descending }
    : { sort: column, descending: false };
}

/** The pages (indexes) that cover the rows visible in the viewport, plus one either side. */
export function pagesFor(
  scrollTop: number,
  viewportHeight: number,
  total: number,
  rowHeight = ROW_HEIGHT,
  pageSize = PAGE,
): number[] {
  if (total <= 0) return [];
  const first = Math.max(0, Math.floor(scrollTop / rowHeight));
  const last = Math.min(total - 1, Math.ceil((scrollTop + viewportHeight) / rowHeight));
  const lastPage = Math.floor((total - 1) / pageSize);
  const from = Math.max(0, Math.floor(first / pageSize) - 1);
  const to = Math.min(lastPage, Math.floor(last / pageSize) + 1);
  const pages = [];
  for (let p = from; p <= to; p++) pages.push(p);
  return pages;
}

/** The row indexes to render for a viewport (with a small overscan). */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  total: number,
  rowHeight = ROW_HEIGHT,
  overscan = 8,
): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total - 1, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { first, last };
}

/** Columns chosen for a profile (localStorage), known ids only, in their saved order. */
export function loadColumns(profileId: string, storage: Pick<Storage, 'getItem'> = localStorage): ColumnId[] {
  try {
    const raw = storage.getItem(`trillian.users.columns.${profileId}`);
    if (!raw) return [...DEFAULT_COLUMNS];
    const ids = (JSON.parse(raw) as unknown[]).filter((id): id is ColumnId =>
      COLUMNS.some((c) => c.id === id),
    );
    const unique = [...new Set(ids)];
    return unique.length > 0 ? unique : [...DEFAULT_COLUMNS];
  } catch {
    return [...DEFAULT_COLUMNS];
  }
}

export function saveColumns(
  profileId: string,
  columns: ColumnId[],
  storage: Pick<Storage, 'setItem'> = localStorage,
): void {
  try {
    storage.setItem(`trillian.users.columns.${profileId}`, JSON.stringify(columns));
  } catch {
    // A full or unavailable storage only loses the preference.
  }
}

/** Moves a column one place left (-1) or right (+1). */
export function moveColumn(columns: ColumnId[], id: ColumnId, by: -1 | 1): ColumnId[] {
  const i = columns.indexOf(id);
  const j = i + by;
  if (i < 0 || j < 0 || j >= columns.length) return columns;
  const next = [...columns];
  [next[i], next[j]] = [next[j], next[i]];
  return next;
}

/** Selection after a click (or Space) on row `index` with modifier keys. */
export function clickSelection(
  selected: ReadonlySet<string>,
  anchor: number | null,
  index: number,
  address: string,
  mods: { shift: boolean; ctrl: boolean },
  addressesBetween: (a: number, b: number) => string[],
): { selected: Set<string>; anchor: number } {
  if (mods.shift && anchor !== null) {
    const range = addressesBetween(Math.min(anchor, index), Math.max(anchor, index));
    const base = mods.ctrl ? new Set(selected) : new Set<string>();
    for (const a of range) base.add(a);
    return { selected: base, anchor };
  }
  if (mods.ctrl) {
    const next = new Set(selected);
    if (next.has(address)) next.delete(address);
    else next.add(address);
    return { selected: next, anchor: index };
  }
  return { selected: new Set([address]), anchor: index };
}

/** The paged list with its query, selection and loading state. */
export class UserList {
  search = $state('');
  sort = $state<UserSortColumn>('address');
  descending = $state(false);
  filters = $state<Filters>({ ...NO_FILTERS });
  total = $state(0);
  all = $state(0);
  facets = $state<UserFacetsView | null>(null);
  pages = $state<Map<number, UserRowView[]>>(new Map());
  loading = $state(true);
  error = $state<AppError | null>(null);
  selected = $state<Set<string>>(new Set());
  anchor = $state<number | null>(null);
  /** Bumped on every new query: answers for an older one are dropped. */
  #generation = 0;
  #inFlight = new Set<string>();

  query(offset: number, limit: number): UserQueryInput {
    return buildQuery(this.search, this.sort, this.descending, this.filters, offset, limit);
  }

  rowAt(index: number): UserRowView | undefined {
    return this.pages.get(Math.floor(index / PAGE))?.[index % PAGE];
  }

  /** Loads the list into Rust (again with `refresh`) and shows the first page. */
  load = async (refresh = false): Promise<void> => {
    this.loading = true;
    this.error = null;
    try {
      this.facets = await ipc.usersLoad(refresh);
      await this.requery();
    } catch (e) {
      this.error = toAppError(e);
    } finally {
      this.loading = false;
    }
  };

  /** The query changed (search, sort, filters): start again from the first page. */
  requery = async (): Promise<void> => {
    const generation = ++this.#generation;
    this.#inFlight.clear();
    try {
      const page = await ipc.usersPage(this.query(0, PAGE));
      if (generation !== this.#generation) return;
      this.total = page.total;
      this.all = page.all;
      this.pages = new Map([[0, page.rows]]);
      this.error = null;
    } catch (e) {
      if (generation === this.#generation) this.error = toAppError(e);
    }
  };

  /** Fetches the pages not loaded yet. */
  ensure = async (pages: number[]): Promise<void> => {
    const generation = this.#generation;
    const missing = pages.filter(
      (p) => !this.pages.has(p) && !this.#inFlight.has(`${generation}:${p}`),
    );
    await Promise.all(
      missing.map(async (p) => {
        const key = `${generation}:${p}`;
        this.#inFlight.add(key);
        try {
          const page = await ipc.usersPage(this.query(p * PAGE, PAGE));
          if (generation !== this.#generation) return;
          const next = new Map(this.pages);
          next.set(p, page.rows);
          // Keep memory flat: forget pages far from the ones asked for.
          for (const k of next.keys()) if (Math.abs(k - p) > 20) next.delete(k);
          this.pages = next;
          this.total = page.total;
        } catch (e) {
          if (generation === this.#generation) this.error = toAppError(e);
        } finally {
          this.#inFlight.delete(key);
        }
      }),
    );
  };

  /** Addresses of rows `a..=b` in the current order (fetched when not loaded). */
  async addressesBetween(a: number, b: number): Promise<string[]> {
    const out: string[] = [];
    for (let offset = a; offset <= b; offset += 1000) {
      const limit = Math.min(1000, b - offset + 1);
      const page = await ipc.usersPage(this.query(offset, limit));
      out.push(...page.rows.map((r) => r.address));
    }
    return out;
  }

  /** Replaces a row everywhere it is loaded (after an edit). */
  replaceRow(row: UserRowView) {
    const next = new Map(this.pages);
    for (const [k, rows] of next) {
      const i = rows.findIndex((r) => r.address === row.address);
      if (i >= 0) {
        const copy = [...rows];
        copy[i] = row;
        next.set(k, copy);
      }
    }
    this.pages = next;
  }
}
