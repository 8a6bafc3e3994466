import { ApiError } from '../api/problem.ts';
import { type MessageKey, type Translate, useT } from '../i18n/index.tsx';
import { en } from '../i18n/en.ts';

/**
 * The one way to say what went wrong: a known problem code has a sentence in the catalog
 * (`error.<code>`); otherwise the server's detail, else a sentence for the status. The request id
 * is shown so that support can find the request.
 */
export function errorMessage(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    const key = `error.${error.code}` as MessageKey;
    if (key in en) return t(key);
    if (error.detail) return error.detail;
    if (error.status === 0) return t('error.network_error');
    return error.status >= 500 ? t('error.internal_error') : t('error.generic');
  }
  return t('error.generic');
}

export function ErrorMessage({ error, className }: { error: unknown; className?: string }) {
  const t = useT();
  if (!error) return null;
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  return (
    <div role="alert" className={`rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200 ${className ?? ''}`}>
      <p>{errorMessage(error, t)}</p>
      {requestId && <p className="mt-1 text-xs opacity-80">{t('error.requestId', { id: requestId })}</p>}
    </div>
  );
}
