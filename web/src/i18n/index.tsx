/**
 * The one place for UI strings: `en.ts` is the catalog and its keys are the type of `t`; `fr.ts`
 * must have every key (the type checker says which one is missing). The locale comes from the
 * user's choice (account page), else the tenant's locale, else the browser's.
 */
import { createContext, type ReactNode, use, useMemo, useState } from 'react';
import { en, type MessageKey } from './en.ts';
import { fr } from './fr.ts';

export type { MessageKey };
export const LOCALES = { en, fr } as const;
export type Locale = keyof typeof LOCALES;
const CHOICE_KEY = 'tenantry.locale';

export function supportedLocale(tag: string | null | undefined): Locale | undefined {
  const base = tag?.toLowerCase().split('-')[0];
  return base && base in LOCALES ? (base as Locale) : undefined;
}

/** Replaces `{name}` placeholders. */
export function format(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

interface I18n {
  locale: Locale;
  t: Translate;
  /** The user's explicit choice (null: follow the tenant, then the browser). */
  choose(locale: Locale | null): void;
  /** The tenant's locale, once known. */
  setTenantLocale(tag: string | null | undefined): void;
  formatDate(value: string | Date, withTime?: boolean): string;
  formatNumber(value: number): string;
}

const I18nContext = createContext<I18n | null>(null);

function readChoice(): Locale | undefined {
  try {
    return supportedLocale(localStorage.getItem(CHOICE_KEY));
  } catch {
    return undefined;
  }
}

function browserLocale(): Locale {
  for (const tag of navigator.languages) {
    const locale = supportedLocale(tag);
    if (locale) return locale;
  }
  return 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [choice, setChoice] = useState<Locale | undefined>(readChoice);
  const [tenantLocale, setTenantLocaleState] = useState<Locale | undefined>();
  const locale = choice ?? tenantLocale ?? browserLocale();

  const value = useMemo<I18n>(() => {
    const catalog: Record<MessageKey, string> = LOCALES[locale];
    const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
    const dateTimes = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    const numbers = new Intl.NumberFormat(locale);
    document.documentElement.lang = locale;
    return {
      locale,
      t: (key, params) => format(catalog[key] ?? en[key] ?? key, params),
      choose(next) {
        try {
          if (next) localStorage.setItem(CHOICE_KEY, next);
          else localStorage.removeItem(CHOICE_KEY);
        } catch {
          // storage unavailable: the choice lasts for this page
        }
        setChoice(next ?? undefined);
      },
      setTenantLocale: (tag) => setTenantLocaleState(supportedLocale(tag)),
      formatDate: (v, withTime = true) => (withTime ? dateTimes : dates).format(typeof v === 'string' ? new Date(v) : v),
      formatNumber: (n) => numbers.format(n),
    };
  }, [locale]);
  return <I18nContext value={value}>{children}</I18nContext>;
}

export function useI18n(): I18n {
  const value = use(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

export function useT(): Translate {
  return useI18n().t;
}
