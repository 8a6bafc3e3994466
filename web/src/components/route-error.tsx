import { Link } from '@tanstack/react-router';
import { useT } from '../i18n/index.tsx';
import { ErrorMessage } from './error-display.tsx';

/** Never a blank screen: a route that throws shows what happened and a way back. */
export function RouteError({ error, reset }: { error: unknown; reset?: () => void }) {
  const t = useT();
  return (
    <main className="mx-auto max-w-lg p-8">
      <h1 className="mb-4 text-xl font-semibold">{t('error.pageTitle')}</h1>
      <ErrorMessage error={error} />
      <div className="mt-4 flex gap-4">
        {reset && (
          <button type="button" className="text-indigo-700 underline dark:text-indigo-300" onClick={reset}>
            {t('common.retry')}
          </button>
        )}
        <Link to="/" className="text-indigo-700 underline dark:text-indigo-300">
          {t('guard.back')}
        </Link>
      </div>
    </main>
  );
}

export function NotFound() {
  const t = useT();
  return (
    <main className="mx-auto max-w-lg p-8 text-center">
      <h1 className="text-2xl font-semibold">{t('notFound.title')}</h1>
      <p className="mt-2 text-zinc-700 dark:text-zinc-300">{t('notFound.body')}</p>
      <Link to="/" className="mt-6 inline-block text-indigo-700 underline dark:text-indigo-300">
        {t('guard.back')}
      </Link>
    </main>
  );
}
