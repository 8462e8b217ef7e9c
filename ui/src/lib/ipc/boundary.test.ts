// The IPC boundary: only src/lib/ipc/ imports @tauri-apps/*. Unit tests may use the official
// mocks (@tauri-apps/api/mocks) and nothing else from Tauri.
import { expect, test } from 'vitest';

// Every source file's text, read by Vite at test time.
const sources = import.meta.glob('/src/**/*.{ts,js,svelte}', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

test('only lib/ipc imports @tauri-apps', () => {
  const offenders = Object.entries(sources)
    .filter(([path]) => !path.startsWith('/src/lib/ipc/'))
    .flatMap(([path, text]) => {
      const allowed = path.endsWith('.test.ts') ? ['@tauri-apps/api/mocks'] : [];
      return [...text.matchAll(/from\s+['"](@tauri-apps\/[^'"]+)['"]/g)]
        .map((m) => m[1])
        .filter((m) => !allowed.includes(m))
        .map((m) => `${path} imports ${m}`);
    });
  expect(offenders).toEqual([]);
  expect(Object.keys(sources).length).toBeGreaterThan(10); // the glob found the sources
});
