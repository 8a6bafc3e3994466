import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Card, EmptyState, Spinner, Table, Td, Th } from '../../components/ui/card.tsx';
import { Input, Select } from '../../components/ui/field.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { listTenants, PLANS, TENANT_STATUSES } from './api.ts';
import { TenantCreateDialog } from './tenant-create-dialog.tsx';
import type { TenantsSearch } from './tenant-search.ts';
import { TenantStatusBadge } from './tenant-status-badge.tsx';

const SEARCH_DELAY_MS = 300;

/**
 * The platform console's tenants: search (debounced), status and plan filters and the cursor, all
 * in the URL; newest first, a page at a time. A row opens the tenant's page.
 */
export function TenantsPage() {
  const { t, formatDate } = useI18n();
  const search = useSearch({ strict: false }) as TenantsSearch;
  const navigate = useNavigate();
  const [text, setText] = useState(search.q ?? '');
  const [creating, setCreating] = useState(false);
  // The cursors of the pages before this one, to go back (a cursor only points forward).
  const previous = useRef<Array<string | undefined>>([]);

  const go = (next: TenantsSearch, history: 'push' | 'pop' | 'reset' = 'reset') => {
    if (history === 'push') previous.current.push(search.cursor);
    if (history === 'reset') previous.current = [];
    void navigate({ to: '/admin', search: next, replace: history === 'reset' });
  };

  // The search box drives the URL once the typing pauses.
  useEffect(() => {
    const q = text.trim() || undefined;
    if (q === search.q) return;
    const timer = setTimeout(() => go({ ...search, q, cursor: undefined }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer); // only the typed text starts a search
  }, [text]);

  const query = { ...(search.q ? { q: search.q } : {}), ...(search.status ? { status: search.status } : {}), ...(search.plan ? { plan: search.plan } : {}), ...(search.cursor ? { cursor: search.cursor } : {}) };
  const tenants = useQuery({ queryKey: ['admin', 'tenants', query], queryFn: () => listTenants(query), placeholderData: keepPreviousData });
  const rows = tenants.data?.data ?? [];
  const filtered = Boolean(search.q || search.status || search.plan);

  return (
    <>
      <PageHeader
        title={t('adminTenants.title')}
        description={t('adminTenants.intro')}
        actions={<Button onClick={() => setCreating(true)}>{t('adminTenants.create')}</Button>}
      />
      <Card>
        <form role="search" className="mb-4 flex flex-wrap items-end gap-3" onSubmit={(e) => e.preventDefault()}>
          <div className="min-w-48 flex-1">
            <label htmlFor="tenant-search" className="mb-1 block text-sm font-medium text-zinc-800 dark:text-zinc-200">
              {t('adminTenants.search')}
            </label>
            <Input id="tenant-search" type="search" placeholder={t('adminTenants.searchHint')} value={text} onChange={(e) => setText(e.target.value)} />
          </div>
          <div>
            <label htmlFor="tenant-status" className="mb-1 block text-sm font-medium text-zinc-800 dark:text-zinc-200">
              {t('adminTenants.statusFilter')}
            </label>
            <Select
              id="tenant-status"
              value={search.status ?? ''}
              onChange={(e) => go({ ...search, status: (e.target.value || undefined) as TenantsSearch['status'], cursor: undefined })}
            >
              <option value="">{t('adminTenants.any')}</option>
              {TENANT_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`adminTenants.status.${s}`)}
                </option>
              ))}
            </Select>
          </div>
          <div>
            <label htmlFor="tenant-plan" className="mb-1 block text-sm font-medium text-zinc-800 dark:text-zinc-200">
              {t('adminTenants.planFilter')}
            </label>
            <Select
              id="tenant-plan"
              value={search.plan ?? ''}
              onChange={(e) => go({ ...search, plan: (e.target.value || undefined) as TenantsSearch['plan'], cursor: undefined })}
            >
              <option value="">{t('adminTenants.any')}</option>
              {PLANS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </Select>
          </div>
        </form>
        {tenants.isPending && <Spinner label={t('common.loading')} />}
        <ErrorMessage error={tenants.error} />
        {tenants.isSuccess && rows.length === 0 && <EmptyState title={t(filtered ? 'adminTenants.noMatch' : 'adminTenants.empty')} />}
        {rows.length > 0 && (
          <Table caption={t('adminTenants.title')}>
            <thead>
              <tr>
                <Th>{t('adminTenants.name')}</Th>
                <Th>{t('adminTenants.slug')}</Th>
                <Th>{t('adminTenants.status')}</Th>
                <Th>{t('adminTenants.plan')}</Th>
                <Th>{t('adminTenants.owner')}</Th>
                <Th className="text-right">{t('adminTenants.members')}</Th>
                <Th>{t('adminTenants.createdAt')}</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {rows.map((tenant) => (
                <tr key={tenant.id} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/50">
                  <Td>
                    <Link
                      to="/admin/tenants/$tenantId"
                      params={{ tenantId: tenant.id }}
                      className="font-medium text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300"
                    >
                      {tenant.name}
                    </Link>
                  </Td>
                  <Td className="font-mono text-xs">{tenant.slug}</Td>
                  <Td>
                    <TenantStatusBadge status={tenant.status} />
                  </Td>
                  <Td>{tenant.plan}</Td>
                  <Td className="max-w-56 truncate">{tenant.ownerEmail ?? '—'}</Td>
                  <Td className="text-right tabular-nums">{tenant.memberCount}</Td>
                  <Td>{formatDate(tenant.createdAt, false)}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        <nav aria-label={t('adminTenants.paging')} className="mt-4 flex justify-end gap-2">
          <Button variant="secondary" size="sm" disabled={!search.cursor} onClick={() => go({ ...search, cursor: previous.current.pop() }, 'pop')}>
            {t('adminTenants.previous')}
          </Button>
          <Button
            variant="secondary"
            size="sm"
            disabled={!tenants.data?.nextCursor || tenants.isPlaceholderData}
            onClick={() => go({ ...search, cursor: tenants.data?.nextCursor ?? undefined }, 'push')}
          >
            {t('adminTenants.next')}
          </Button>
        </nav>
      </Card>
      <TenantCreateDialog open={creating} onOpenChange={setCreating} />
    </>
  );
}
