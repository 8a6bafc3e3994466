import { useEffect, useRef, useState } from 'react';
import type { TenantryWidgetApi } from '../../../widget/src/main.ts';
import { useI18n } from '../../i18n/index.tsx';

/** widget.js from this origin, loaded once per page (the app's CSP allows scripts from 'self' only: it is). */
let loading: Promise<TenantryWidgetApi> | null = null;
function loadWidgetScript(): Promise<TenantryWidgetApi> {
  loading ??= new Promise<TenantryWidgetApi>((resolve, reject) => {
    if (window.TenantryWidget) return resolve(window.TenantryWidget);
    const script = document.createElement('script');
    script.src = '/widget.js';
    script.async = true;
    script.onload = () => (window.TenantryWidget ? resolve(window.TenantryWidget) : reject(new Error('widget.js defined no TenantryWidget')));
    script.onerror = () => reject(new Error('widget.js did not load'));
    document.head.append(script);
  }).catch((error: unknown) => {
    loading = null; // let the next preview try again
    throw error;
  });
  return loading;
}

/**
 * The real widget (widget.js, inline mode) talking to this tenant's assistant, as visitors will see
 * it. Same origin as the app, so the tenant's allowed origins do not apply to it.
 */
export function WidgetPreview({ slug }: { slug: string }) {
  const { t, locale } = useI18n();
  const target = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let widget: { destroy(): void } | null = null;
    let cancelled = false;
    loadWidgetScript()
      .then((api) => {
        if (cancelled || !target.current) return;
        widget = api.mount({ tenant: slug, mode: 'inline', target: target.current, apiOrigin: window.location.origin, lang: locale });
      })
      .catch(() => setFailed(true));
    return () => {
      cancelled = true;
      widget?.destroy();
    };
  }, [slug, locale]);

  return (
    <div className="mt-6 space-y-2">
      <h3 className="text-sm font-medium text-zinc-800 dark:text-zinc-200">{t('widget.preview')}</h3>
      <p className="text-xs text-zinc-600 dark:text-zinc-400">{t('widget.previewHint')}</p>
      {failed ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {t('widget.previewFailed')}
        </p>
      ) : (
        <div ref={target} className="h-[480px] max-w-md" data-testid="widget-preview" />
      )}
    </div>
  );
}
