// Loads cytoscape under the app's frozen Object.prototype (tauri.conf.json freezePrototype).
// While its module initialises, cytoscape copies method tables onto plain prototypes with
// Object.assign, including a `toString`; an ordinary assignment of a name that Object.prototype
// holds frozen throws. For the duration of the import only, Object.assign defines such a property
// on the target instead (what assigning it would do without the freeze); nothing is unfrozen.
import type cytoscape from 'cytoscape';

export type Cytoscape = typeof cytoscape;

function freezeSafeAssign<T extends object>(target: T, ...sources: unknown[]): T {
  for (const source of sources) {
    if (source === null || source === undefined) continue;
    const from = Object(source) as Record<PropertyKey, unknown>;
    for (const key of Reflect.ownKeys(from)) {
      if (!Object.prototype.propertyIsEnumerable.call(from, key)) continue;
      try {
        (target as Record<PropertyKey, unknown>)[key] = from[key];
      } catch {
        Object.defineProperty(target, key, { value: from[key], writable: true, enumerable: true, configurable: true });
      }
    }
  }
  return target;
}

let loaded: Promise<Cytoscape> | null = null;

export function loadCytoscape(): Promise<Cytoscape> {
  loaded ??= (async () => {
    const assign = Object.assign;
    Object.assign = freezeSafeAssign as typeof Object.assign;
    try {
      return (await import('cytoscape')).default;
    } finally {
      Object.assign = assign;
    }
  })();
  loaded.catch(() => (loaded = null));
  return loaded;
}
