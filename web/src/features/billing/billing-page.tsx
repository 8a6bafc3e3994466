import { useMutation, useQuery } from '@tanstack/react-query';
import { useSearch } from '@tanstack/react-router';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Badge, Card, CardTitle, Spinner } from '../../components/ui/card.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { getPlans } from '../auth/api.ts';
import { useCan } from '../auth/use-session.ts';
import { getSubscription, openPortal, startCheckout } from './api.ts';
import { PlanLimits } from './plan-limits.tsx';

/** Plan and status; upgrade through Checkout, manage in the portal; back from Checkout it waits for the webhook. */
export function BillingPage() {
  const { t, formatDate } = useI18n();
  const { checkout } = useSearch({ strict: false }) as { checkout?: string };
  const allowed = useCan();
  const returning = checkout === 'success';
  const subscription = useQuery({
    queryKey: ['subscription'],
    queryFn: getSubscription,
    // Back from Checkout: ask again every two seconds until the webhook has changed the plan.
    refetchInterval: (query) => (returning && (query.state.data?.plan ?? 'free') === 'free' ? 2000 : false),
  });
  const plans = useQuery({ queryKey: ['plans'], queryFn: getPlans });
  const go = (url: string) => window.location.assign(url);
  const upgrade = useMutation({ mutationFn: (planId: string) => startCheckout(planId), onSuccess: ({ url }) => go(url) });
  const portal = useMutation({ mutationFn: openPortal, onSuccess: ({ url }) => go(url) });
  const sub = subscription.data;
  const waiting = returning && sub !== undefined && sub.plan === 'free';
  const manage = allowed('billing:manage');
  return (
    <>
      <PageHeader title={t('billing.title')} />
      {checkout === 'cancelled' && (
        <p role="status" className="mb-4 text-sm">
          {t('billing.cancelled')}
        </p>
      )}
      {waiting && <Spinner label={t('billing.waiting')} />}
      {returning && sub && !waiting && (
        <p role="status" className="mb-4 rounded-md bg-green-50 p-3 text-sm text-green-900 dark:bg-green-950 dark:text-green-100">
          {t('billing.upgraded', { plan: sub.plan })}
        </p>
      )}
      <div className="space-y-6">
        <Card>
          <CardTitle>{t('billing.current')}</CardTitle>
          {subscription.isPending && <Spinner label={t('common.loading')} />}
          <ErrorMessage error={subscription.error} />
          {sub && (
            <dl className="grid gap-2 text-sm sm:grid-cols-[10rem_1fr]">
              <dt className="text-zinc-600 dark:text-zinc-400">{t('billing.plan')}</dt>
              <dd data-testid="current-plan" className="font-medium">
                {plans.data?.find((p) => p.id === sub.plan)?.name ?? sub.plan}
              </dd>
              <dt className="text-zinc-600 dark:text-zinc-400">{t('billing.status')}</dt>
              <dd>
                <Badge tone={sub.status === 'active' ? 'green' : sub.status === 'past_due' ? 'amber' : 'neutral'}>{sub.status}</Badge>
              </dd>
              {sub.currentPeriodEnd && (
                <>
                  <dt className="text-zinc-600 dark:text-zinc-400">{sub.cancelAtPeriodEnd ? t('billing.ends') : t('billing.renews')}</dt>
                  <dd>{formatDate(sub.currentPeriodEnd, false)}</dd>
                </>
              )}
            </dl>
          )}
          {manage && sub && sub.status !== 'none' && (
            <Button variant="secondary" className="mt-4" pending={portal.isPending} onClick={() => portal.mutate()}>
              {t('billing.portal')}
            </Button>
          )}
          <ErrorMessage error={portal.error} className="mt-4" />
        </Card>
        <Card>
          <CardTitle>{t('billing.plans')}</CardTitle>
          <ErrorMessage error={plans.error ?? upgrade.error} />
          <ul className="grid gap-4 md:grid-cols-3">
            {plans.data?.map((plan) => (
              <li key={plan.id} className="rounded-md border border-zinc-200 p-4 dark:border-zinc-700">
                <h3 className="font-semibold">{plan.name}</h3>
                <PlanLimits plan={plan} />
                {manage && plan.selfServe && plan.id !== sub?.plan && (
                  <Button className="mt-4" pending={upgrade.isPending && upgrade.variables === plan.id} onClick={() => upgrade.mutate(plan.id)}>
                    {t('billing.upgrade', { plan: plan.name })}
                  </Button>
                )}
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </>
  );
}
