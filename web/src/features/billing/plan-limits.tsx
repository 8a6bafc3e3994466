import type { PlanView } from '../../api/views.ts';
import { useI18n } from '../../i18n/index.tsx';

export function PlanLimits({ plan }: { plan: PlanView }) {
  const { t, formatNumber } = useI18n();
  const n = (v: number | null) => (v === null ? t('pricing.unlimited') : formatNumber(v));
  return (
    <ul className="mt-4 space-y-1 text-sm text-zinc-700 dark:text-zinc-300">
      <li>{t('pricing.seats', { n: n(plan.limits.seats) })}</li>
      <li>{t('pricing.messages', { n: n(plan.limits.messages_per_month) })}</li>
      <li>{t('pricing.tokens', { n: n(plan.limits.tokens_per_month) })}</li>
      <li>{t('pricing.apiRate', { n: n(plan.limits.api_per_minute) })}</li>
    </ul>
  );
}
