/** Light, dark or the system's: the choice is a display preference kept in localStorage. */
export type Theme = 'light' | 'dark' | 'system';
const KEY = 'tenantry.theme';
const media = () => window.matchMedia('(prefers-color-scheme: dark)');

export function readTheme(): Theme {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(theme: Theme): void {
  const dark = theme === 'dark' || (theme === 'system' && media().matches);
  document.documentElement.classList.toggle('dark', dark);
  document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
}

export function setTheme(theme: Theme): void {
  try {
    if (theme === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, theme);
  } catch {
    // storage unavailable: the choice lasts for this page
  }
  applyTheme(theme);
}

/** Follows the system while the choice is "system". */
export function watchSystemTheme(): void {
  media().addEventListener('change', () => {
    if (readTheme() === 'system') applyTheme('system');
  });
}
