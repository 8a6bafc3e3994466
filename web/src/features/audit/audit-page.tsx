import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { AuditEventView } from '../../api/views.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Badge, Card } from '../../components/ui/card.tsx';
import { type Column, DataTable } from '../../components/ui/data-table.tsx';
import { Field, Input } from '../../components/ui/field.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { useCursorPages } from '../../lib/use-cursor-pages.ts';
import { formValues } from '../../lib/form.ts';
import { type AuditFilter, listAuditEvents, verifyAuditChain } from './api.ts';
import { auditCsv } from './csv.ts';

const MAX_EXPORT = 10_000;

/** The audit log: filters, keyset paging, CSV of everything the filters match, and the chain's check. */
export function AuditPage() {
  const { t, formatDate } = useI18n();
  const [filter, setFilter] = useState<AuditFilter>({});
  const events = useCursorPages(['audit', filter], (cursor) => listAuditEvents(filter, cursor));
  const verify = useMutation({ mutationFn: verifyAuditChain });
  const exporting = useMutation({
    mutationFn: async () => {
      const all = [];
      let cursor: string | undefined;
      do {
        const page = await listAuditEvents(filter, cursor, 100);
        all.push(...page.data);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && all.length < MAX_EXPORT);
      const url = URL.createObjectURL(new Blob([auditCsv(all)], { type: 'text/csv;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `audit-${new Date().toISOString().slice(0, 10)}.csv`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
  });
  const rows = events.rows;
  const columns: Array<Column<AuditEventView>> = [
    { header: t('audit.when'), className: 'whitespace-nowrap', cell: (e) => formatDate(e.createdAt) },
    { header: t('audit.action'), cell: (e) => <code>{e.action}</code> },
    { header: t('audit.actor'), className: 'text-xs', cell: (e) => `${e.actorType}${e.actorId ? ` ${e.actorId.slice(0, 8)}` : ''}` },
    { header: t('audit.target'), className: 'text-xs', cell: (e) => (e.targetType ? `${e.targetType} ${(e.targetId ?? '').slice(0, 8)}` : '—') },
  ];
  return (
    <>
      <PageHeader
        title={t('audit.title')}
        actions={
          <div className="flex gap-2">
            <Button variant="secondary" pending={verify.isPending} onClick={() => verify.mutate()}>
              {t('audit.verify')}
            </Button>
            <Button variant="secondary" pending={exporting.isPending} onClick={() => exporting.mutate()}>
              {t('audit.export')}
            </Button>
          </div>
        }
      />
      {verify.data && (
        <p role="status" className="mb-4">
          {verify.data.ok ? (
            <Badge tone="green">{t('audit.chainOk', { n: verify.data.checked })}</Badge>
          ) : (
            <Badge tone="red">{t('audit.chainBroken', { seq: verify.data.brokenAtSeq ?? '?' })}</Badge>
          )}
        </p>
      )}
      <ErrorMessage error={verify.error ?? exporting.error} className="mb-4" />
      <Card>
        <form
          className="mb-4 grid gap-3 sm:grid-cols-5 sm:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            const v = formValues(e.currentTarget) as Record<string, string>;
            setFilter({ action: v.action?.trim(), actorId: v.actorId?.trim(), from: v.from, to: v.to });
          }}
        >
          <Field label={t('audit.action')} hint={t('audit.actionHint')}>
            <Input name="action" placeholder="member." />
          </Field>
          <Field label={t('audit.actor')}>
            <Input name="actorId" placeholder="uuid" />
          </Field>
          <Field label={t('audit.from')}>
            <Input name="from" type="date" />
          </Field>
          <Field label={t('audit.to')}>
            <Input name="to" type="date" />
          </Field>
          <Button type="submit">{t('audit.apply')}</Button>
        </form>
        <DataTable caption={t('audit.title')} columns={columns} rows={rows} rowKey={(e) => e.id} state={events} empty={t('audit.empty')} more={events} />
      </Card>
    </>
  );
}
