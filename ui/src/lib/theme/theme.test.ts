import { describe, expect, test, beforeEach } from 'vitest';
import { effectiveTheme, readChoice, theme } from './theme.svelte';

describe('theme', () => {
  beforeEach(() => localStorage.clear());

  test('follows the OS unless a choice is made', () => {
    expect(effectiveTheme('system', true)).toBe('dark');
    expect(effectiveTheme('system', false)).toBe('light');
    expect(effectiveTheme('light', true)).toBe('light');
    expect(effectiveTheme('dark', false)).toBe('dark');
  });

  test('ignores junk in storage', () => {
    expect(readChoice({ getItem: () => 'purple' })).toBe('system');
    expect(readChoice(undefined)).toBe('system');
  });

  test('a manual choice is applied to <html> and remembered; system clears it', () => {
    theme.set('dark');
    expect(document.documentElement.getAttribute('data-theme')).toBe('dark');
    expect(readChoice(localStorage)).toBe('dark');
    theme.set('system');
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
    expect(readChoice(localStorage)).toBe('system');
  });
});
