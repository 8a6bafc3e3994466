import { useState } from 'react';
import { LOCALES, type Locale, useI18n } from '../i18n/index.tsx';
import { readTheme, setTheme, type Theme } from '../lib/theme.ts';

const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', fr: 'Français' };

/** Theme and language pickers, native selects (labelled, keyboard-friendly everywhere). */
export function Preferences() {
  const { t, locale, choose } = useI18n();
  const [theme, setThemeState] = useState<Theme>(readTheme);
  return (
    <div className="flex items-center gap-2 text-sm">
      <label className="sr-only" htmlFor="pref-theme">
        {t('prefs.theme')}
      </label>
      <select
        id="pref-theme"
        value={theme}
        onChange={(e) => {
          const next = e.target.value as Theme;
          setTheme(next);
          setThemeState(next);
        }}
        className="h-8 rounded-md border border-zinc-300 bg-white px-2 dark:border-zinc-600 dark:bg-zinc-900"
      >
        <option value="system">{t('prefs.themeSystem')}</option>
        <option value="light">{t('prefs.themeLight')}</option>
        <option value="dark">{t('prefs.themeDark')}</option>
      </select>
      <label className="sr-only" htmlFor="pref-language">
        {t('prefs.language')}
      </label>
      <select
        id="pref-language"
        value={locale}
        onChange={(e) => choose(e.target.value as Locale)}
        className="h-8 rounded-md border border-zinc-300 bg-white px-2 dark:border-zinc-600 dark:bg-zinc-900"
      >
        {(Object.keys(LOCALES) as Locale[]).map((l) => (
          <option key={l} value={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
    </div>
  );
}
