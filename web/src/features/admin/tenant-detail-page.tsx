import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { type ReactNode, useState } from 'react';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Badge, Card, CardTitle, EmptyState, Spinner, Table, Td, Th } from '../../components/ui/card.tsx';
import { type MessageKey, useI18n } from '../../i18n/index.tsx';
import { type AdminTenantDetail, getTenantDetail, type TenantAction } from './api.ts';
import { TenantActionDialog } from './tenant-action-dialog.tsx';
import { TenantStatusBadge } from './tenant-status-badge.tsx';

const METRIC_LABEL: Record<string, MessageKey> = {
  messages: 'usage.messages',
  tokens: 'usage.tokens',
  api_calls: 'usage.apiCalls',
  seats: 'usage.seats',
};

const ACTION_LABEL: Record<TenantAction, MessageKey> = {
  suspend: 'adminTenants.suspend',
  resume: 'adminTenants.resume',
  plan: 'adminTenants.changePlan',
  delete: 'adminTenants.delete',
};

/** One tenant in the console: its state and the actions on it, members, usage, subscription, latest audit events. */
export function TenantDetailPage() {
  const { t, formatDate } = useI18n();
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const [action, setAction] = useState<TenantAction | null>(null);
  const detail = useQuery({ queryKey: ['admin', 'tenants', 'detail', tenantId], queryFn: () => getTenantDetail(tenantId), retry: false });
  const back = (
    <Link to="/admin" className="text-sm text-indigo-700 underline dark:text-indigo-300">
      {t('adminTenants.back')}
    </Link>
  );

  if (detail.isPending) return <Spinner label={t('common.loading')} />;
  if (detail.isError || !detail.data) {
    return (
      <>
        <PageHeader title={t('adminTenants.detailTitle')} />
        <ErrorMessage error={detail.error} className="mb-4" />
        {back}
      </>
    );
  }
  const { tenant } = detail.data;
  const actions: Array<{ action: TenantAction; show: boolean; variant: 'secondary' | 'danger' }> = [
    { action: 'suspend', show: tenant.status === 'active', variant: 'secondary' },
    { action: 'resume', show: tenant.status !== 'active', variant: 'secondary' },
    { action: 'plan', show: tenant.status !== 'deleted', variant: 'secondary' },
    { action: 'delete', show: tenant.status !== 'deleted', variant: 'danger' },
  ];

  return (
    <>
      <div className="mb-2">{back}</div>
      <PageHeader
        title={tenant.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <span className="font-mono text-xs" data-testid="tenant-slug">
              {tenant.slug}
            </span>
            <TenantStatusBadge status={tenant.status} />
            <Badge tone="indigo">{t('adminTenants.planBadge', { plan: tenant.plan })}</Badge>
            <span>{t('adminTenants.createdOn', { date: formatDate(tenant.createdAt, false) })}</span>
          </span>
        }
        actions={
          <div className="flex flex-wrap gap-2">
            {actions
              .filter((a) => a.show)
              .map((a) => (
                <Button key={a.action} variant={a.variant} onClick={() => setAction(a.action)}>
                  {t(ACTION_LABEL[a.action])}
                </Button>
              ))}
          </div>
        }
      />
      {tenant.status === 'suspended' && tenant.suspendedAt && (
        <p role="status" className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
          {t('adminTenants.suspendedSince', { date: formatDate(tenant.suspendedAt) })}
        </p>
      )}
      {tenant.status === 'deleted' && tenant.deletionScheduledAt && (
        <p role="status" className="mb-4 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
          {t('adminTenants.deletionOn', { date: formatDate(tenant.deletionScheduledAt) })}
        </p>
      )}
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2 [&>*]:min-w-0">
        <Usage usage={detail.data.usage} />
        <Subscription subscription={detail.data.subscription} plan={tenant.plan} />
        <Members detail={detail.data} />
        <AuditEvents events={detail.data.auditEvents} />
      </div>
      <TenantActionDialog key={`${action}-${tenant.plan}-${tenant.status}`} tenant={tenant} action={action} onOpenChange={(open) => !open && setAction(null)} />
    </>
  );
}

function Usage({ usage }: { usage: AdminTenantDetail['usage'] }) {
  const { t, formatNumber, formatDate } = useI18n();
  return (
    <Card>
      <CardTitle>{t('adminTenants.usage')}</CardTitle>
      <p className="mb-3 text-sm text-zinc-700 dark:text-zinc-300">{t('adminTenants.usagePeriod', { date: formatDate(usage.resetAt, false) })}</p>
      <dl className="grid grid-cols-2 gap-4">
        {usage.metrics.map((m) => {
          const label = METRIC_LABEL[m.metric] ? t(METRIC_LABEL[m.metric]!) : m.metric;
          const share = m.limit ? Math.min(1, m.used / m.limit) : 0;
          return (
            <div key={m.metric}>
              <dt className="text-sm text-zinc-700 dark:text-zinc-300">{label}</dt>
              <dd className="text-lg font-semibold tabular-nums" data-testid={`usage-${m.metric}`}>
                {formatNumber(m.used)}
                <span className="text-sm font-normal text-zinc-600 dark:text-zinc-400">
                  {' / '}
                  {m.limit === null ? t('pricing.unlimited') : formatNumber(m.limit)}
                </span>
                {m.limit !== null && (
                  <div
                    role="meter"
                    aria-label={label}
                    aria-valuemin={0}
                    aria-valuemax={m.limit}
                    aria-valuenow={m.used}
                    className="mt-1 h-1.5 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-700"
                  >
                    <div className={`h-full ${share > 0.9 ? 'bg-red-600' : 'bg-indigo-600'}`} style={{ width: `${share * 100}%` }} />
                  </div>
                )}
              </dd>
            </div>
          );
        })}
      </dl>
    </Card>
  );
}

function Subscription({ subscription, plan }: { subscription: AdminTenantDetail['subscription']; plan: string }) {
  const { t, formatDate } = useI18n();
  const rows: Array<[MessageKey, ReactNode]> = [
    ['adminTenants.plan', plan],
    ['adminTenants.subscriptionStatus', subscription.status === 'none' ? t('adminTenants.noSubscription') : subscription.status],
    ['adminTenants.periodEnd', subscription.currentPeriodEnd ? formatDate(subscription.currentPeriodEnd, false) : '—'],
    ['adminTenants.cancelAtPeriodEnd', t(subscription.cancelAtPeriodEnd ? 'adminTenants.yes' : 'adminTenants.no')],
    ['adminTenants.graceUntil', subscription.graceUntil ? formatDate(subscription.graceUntil) : '—'],
    ['adminTenants.stripeCustomer', subscription.stripeCustomerId ?? '—'],
    ['adminTenants.stripeSubscription', subscription.stripeSubscriptionId ?? '—'],
  ];
  return (
    <Card>
      <CardTitle>{t('adminTenants.subscription')}</CardTitle>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
        {rows.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-zinc-700 dark:text-zinc-300">{t(label)}</dt>
            <dd className="font-medium break-all text-zinc-900 dark:text-zinc-100">{value}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

function Members({ detail }: { detail: AdminTenantDetail }) {
  const { t, formatDate } = useI18n();
  const { members, tenant } = detail;
  return (
    <Card className="lg:col-span-2">
      <CardTitle>{t('adminTenants.membersTitle', { count: tenant.memberCount })}</CardTitle>
      {members.length === 0 ? (
        <EmptyState title={t('adminTenants.noMembers')} />
      ) : (
        <Table caption={t('adminTenants.membersCaption', { name: tenant.name })}>
          <thead>
            <tr>
              <Th>{t('field.name')}</Th>
              <Th>{t('field.email')}</Th>
              <Th>{t('field.role')}</Th>
              <Th>{t('adminTenants.joined')}</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {members.map((m) => (
              <tr key={m.userId}>
                <Td>{m.name}</Td>
                <Td>{m.email}</Td>
                <Td>{m.role in ROLE_KEYS ? t(ROLE_KEYS[m.role]!) : m.role}</Td>
                <Td>{formatDate(m.joinedAt, false)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {tenant.memberCount > members.length && (
        <p className="mt-2 text-sm text-zinc-700 dark:text-zinc-300">{t('adminTenants.moreMembers', { shown: members.length, total: tenant.memberCount })}</p>
      )}
    </Card>
  );
}

const ROLE_KEYS: Record<string, MessageKey> = { owner: 'role.owner', admin: 'role.admin', billing: 'role.billing', member: 'role.member' };

function AuditEvents({ events }: { events: AdminTenantDetail['auditEvents'] }) {
  const { t, formatDate } = useI18n();
  return (
    <Card className="lg:col-span-2">
      <CardTitle>{t('adminTenants.auditTitle')}</CardTitle>
      {events.length === 0 ? (
        <EmptyState title={t('adminTenants.noEvents')} />
      ) : (
        <Table caption={t('adminTenants.auditTitle')}>
          <thead>
            <tr>
              <Th>{t('adminTenants.when')}</Th>
              <Th>{t('adminTenants.action')}</Th>
              <Th>{t('adminTenants.actor')}</Th>
              <Th>{t('adminTenants.reason')}</Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {events.map((e) => {
              const reason = e.data && typeof e.data === 'object' && 'reason' in e.data ? String((e.data as { reason: unknown }).reason) : '';
              return (
                <tr key={e.id}>
                  <Td>{formatDate(e.createdAt)}</Td>
                  <Td className="font-mono text-xs">{e.action}</Td>
                  <Td>
                    {e.actorEmail ?? e.actorId ?? '—'}
                    {e.actorType === 'platform_admin' && (
                      <>
                        {' '}
                        <Badge tone="indigo">{t('adminTenants.platformActor')}</Badge>
                      </>
                    )}
                  </Td>
                  <Td className="max-w-xs break-words">{reason || '—'}</Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
    </Card>
  );
}
