import type { AssistantView } from '../../api/views.ts';
import { Card, CardTitle } from '../../components/ui/card.tsx';
import { CopyButton } from '../../components/ui/copy-button.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { useMe } from '../auth/use-session.ts';
import { WidgetOrigins } from './widget-origins.tsx';
import { WidgetPreview } from './widget-preview.tsx';

/** The tag a tenant pastes into its site: widget.js from this deployment, for this tenant. */
export function widgetSnippet(origin: string, slug: string): string {
  return `<script src="${origin}/widget.js" data-tenant="${slug}" async></script>`;
}

/** "Embed on your website": the snippet, the websites allowed to use it, and the widget itself. */
export function WidgetEmbed({ assistant }: { assistant: AssistantView }) {
  const { t } = useI18n();
  const slug = useMe().data?.tenant?.slug;
  if (!slug) return null;
  const snippet = widgetSnippet(window.location.origin, slug);
  return (
    <Card className="mt-6" aria-labelledby="widget-embed-title">
      <CardTitle>
        <span id="widget-embed-title">{t('widget.title')}</span>
      </CardTitle>
      <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">{t('widget.intro')}</p>
      {!assistant.widgetEnabled && (
        <p role="note" className="mb-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
          {t('widget.off')}
        </p>
      )}
      <div className="space-y-2">
        <h3 className="text-sm font-medium text-zinc-800 dark:text-zinc-200">{t('widget.snippet')}</h3>
        <pre className="overflow-x-auto rounded-md bg-zinc-100 p-3 text-xs text-zinc-900 dark:bg-zinc-800 dark:text-zinc-100" tabIndex={0} aria-label={t('widget.snippet')}>
          <code>{snippet}</code>
        </pre>
        <CopyButton text={snippet} label={t('widget.copy')} copiedLabel={t('common.copied')} />
      </div>
      <WidgetOrigins current={assistant.allowedOrigins} />
      {/* Mounted again when the widget is switched on or off, so that it starts afresh. */}
      <WidgetPreview key={assistant.widgetEnabled ? 'on' : 'off'} slug={slug} />
    </Card>
  );
}
