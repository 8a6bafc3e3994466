import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useMe } from '../features/auth/use-session.ts';
import { can, type Permission } from '../features/auth/permissions.ts';
import { useT } from '../i18n/index.tsx';
import { Spinner } from './ui/card.tsx';

/**
 * The one permission guard: a page opened without its permission says so clearly (hiding the
 * navigation entry is a convenience; the API refuses regardless).
 */
export function PageLoading() {
  const t = useT();
  return <Spinner label={t('common.loading')} />;
}

export function Guard({ permission, platform, children }: { permission?: Permission | undefined; platform?: boolean | undefined; children: ReactNode }) {
  const t = useT();
  const me = useMe();
  if (me.isPending) return <Spinner label={t('common.loading')} />;
  const allowed = platform ? me.data?.user.isPlatformAdmin === true : !permission || can(me.data?.role, permission);
  if (allowed) return children;
  return (
    <div className="mx-auto max-w-lg py-16 text-center">
      <h1 className="text-2xl font-semibold text-zinc-900 dark:text-zinc-100">{t('guard.title')}</h1>
      <p className="mt-2 text-zinc-700 dark:text-zinc-300">{t(platform ? 'guard.platformBody' : 'guard.body')}</p>
      <Link to="/overview" className="mt-6 inline-block text-indigo-700 underline dark:text-indigo-300">
        {t('guard.back')}
      </Link>
    </div>
  );
}
