// Theme: follow the OS (prefers-color-scheme) or a manual choice, remembered locally.
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'trillian-admin.theme';

export function readChoice(storage: Pick<Storage, 'getItem'> | undefined): ThemeChoice {
  const value = storage?.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** The theme actually shown for a choice and the OS preference. */
export function effectiveTheme(choice: ThemeChoice, osPrefersDark: boolean): 'light' | 'dark' {
  if (choice === 'system') return osPrefersDark ? 'dark' : 'light';
  return choice;
}

class Theme {
  choice = $state<ThemeChoice>('system');

  init() {
    this.choice = readChoice(globalThis.localStorage);
    this.apply();
  }

  set(choice: ThemeChoice) {
    this.choice = choice;
    try {
      if (choice === 'system') globalThis.localStorage?.removeItem(KEY);
      else globalThis.localStorage?.setItem(KEY, choice);
    } catch {
      // Storage may be unavailable; the choice still holds for this session.
    }
    this.apply();
  }

  /** `data-theme` on <html> overrides the prefers-color-scheme defaults in app.css. */
  private apply() {
    const root = globalThis.document?.documentElement;
    if (!root) return;
    if (this.choice === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', this.choice);
  }
}

export const theme = new Theme();
