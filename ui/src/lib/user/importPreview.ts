// The import dialog's pure logic: which column feeds which field, and what the preview says.
import type { ImportMappingView, ImportPreviewView, PreviewRowView } from '$lib/ipc';

export type Field = keyof ImportMappingView;

export const FIELDS: readonly { field: Field; label: string; required: boolean }[] = [
  { field: 'im', label: 'IM address', required: true },
  { field: 'password', label: 'Password', required: false },
  { field: 'displayName', label: 'Display name', required: false },
  { field: 'email', label: 'E-mail', required: false },
  { field: 'group', label: 'Group (name or id)', required: false },
  { field: 'policy', label: 'Policy (name or id)', required: false },
];

/** The mapping with one field pointed at `column` (null = not imported). */
export function mapField(
  mapping: ImportMappingView,
  field: Field,
  column: number | null,
): ImportMappingView {
  return { ...mapping, [field]: column };
}

/** What still stops the import from running, for people. */
export function blockers(mapping: ImportMappingView, generatePasswords: boolean): string[] {
  const out: string[] = [];
  if (mapping.im === null) out.push('Choose the column with the IM address.');
  if (mapping.password === null && !generatePasswords)
    out.push('Choose the password column, or let the import generate passwords.');
  const used = Object.values(mapping).filter((c): c is number => c !== null);
  if (new Set(used).size !== used.length) out.push('A column is mapped to two fields.');
  return out;
}

/** One line summary of a preview. */
export function summary(p: Pick<ImportPreviewView, 'total' | 'new' | 'existing' | 'invalid'>): string {
  const rows = p.total === 1 ? 'row' : 'rows';
  return `${p.total} ${rows}: ${p.new} to create, ${p.existing} already there (skipped), ${p.invalid} with problems`;
}

export type RowFilter = 'all' | 'invalid' | 'new' | 'skipped';

export function filterRows(rows: PreviewRowView[], filter: RowFilter): PreviewRowView[] {
  switch (filter) {
    case 'all':
      return rows;
    case 'invalid':
      return rows.filter((r) => r.state === 'invalid');
    case 'new':
      return rows.filter((r) => r.state === 'new');
    case 'skipped':
      return rows.filter((r) => r.state === 'exists' || r.state === 'duplicate');
  }
}

export const STATE_WORDS: Record<string, string> = {
  new: 'Will be created',
  exists: 'Exists: skipped',
  duplicate: 'Repeated: skipped',
  invalid: 'Problem',
};
