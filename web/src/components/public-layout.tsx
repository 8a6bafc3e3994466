import { Link, Outlet } from '@tanstack/react-router';
import { useT } from '../i18n/index.tsx';
import { Preferences } from './preferences.tsx';

/** Sign-in pages and the pricing page: the brand, the preferences, one column. */
export function PublicLayout() {
  const t = useT();
  return (
    <div className="flex min-h-screen flex-col">
      <header className="flex items-center justify-between gap-2 px-4 py-3 sm:px-8">
        <Link to="/login" className="flex items-center gap-2 font-semibold text-zinc-900 dark:text-zinc-100">
          <img src="/favicon.svg" alt="" className="size-7" />
          Tenantry
        </Link>
        <nav aria-label={t('nav.public')} className="flex items-center gap-3 text-sm">
          <Link to="/pricing" className="text-zinc-700 hover:underline dark:text-zinc-300">
            {t('nav.pricing')}
          </Link>
          <Preferences />
        </nav>
      </header>
      <main className="flex flex-1 items-start justify-center px-4 py-8 sm:py-16">
        <Outlet />
      </main>
    </div>
  );
}

/** The card that sign-in forms sit in. */
export function AuthCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="w-full max-w-md rounded-lg border border-zinc-200 bg-white p-6 shadow-sm sm:p-8 dark:border-zinc-700 dark:bg-zinc-900">
      <h1 className="mb-6 text-2xl font-semibold text-zinc-900 dark:text-zinc-100">{title}</h1>
      {children}
    </div>
  );
}
