import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ErrorMessage } from '../../components/error-display.tsx';
import { Spinner } from '../../components/ui/card.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { getPlans } from '../auth/api.ts';
import { PlanLimits } from './plan-limits.tsx';

/** The public pricing page, built from GET /billing/plans. */
export function PricingPage() {
  const { t } = useI18n();
  const plans = useQuery({ queryKey: ['plans'], queryFn: getPlans });
  return (
    <div className="w-full max-w-5xl">
      <h1 className="mb-8 text-center text-3xl font-semibold">{t('pricing.title')}</h1>
      {plans.isPending && <Spinner label={t('common.loading')} />}
      <ErrorMessage error={plans.error} />
      <ul className="grid gap-4 md:grid-cols-3">
        {plans.data?.map((plan) => (
          <li key={plan.id} className="flex flex-col rounded-lg border border-zinc-200 bg-white p-6 dark:border-zinc-700 dark:bg-zinc-900">
            <h2 className="text-xl font-semibold">{plan.name}</h2>
            <PlanLimits plan={plan} />
            <Link
              to="/signup"
              search={{ plan: plan.id }}
              className="mt-6 inline-flex h-10 items-center justify-center rounded-md bg-indigo-600 px-4 text-sm font-medium text-white hover:bg-indigo-700"
            >
              {plan.selfServe || plan.id === 'free' ? t('pricing.start', { plan: plan.name }) : t('pricing.contact')}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
