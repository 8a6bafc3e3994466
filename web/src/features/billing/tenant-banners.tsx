import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../../i18n/index.tsx';
import { useCan, useMe } from '../auth/use-session.ts';
import { getSubscription } from './api.ts';

/** Suspended, past due, grace: said at the top of every page, to everyone who can act on it. */
export function TenantBanners() {
  const { t, formatDate } = useI18n();
  const me = useMe();
  const allowed = useCan();
  const billing = allowed('billing:read');
  const subscription = useQuery({ queryKey: ['subscription'], queryFn: getSubscription, enabled: billing, retry: false });
  const banners: string[] = [];
  if (me.data?.tenant?.status === 'suspended') banners.push(t('banner.suspended'));
  const sub = subscription.data;
  if (sub?.status === 'past_due') {
    banners.push(sub.graceUntil ? t('banner.grace', { date: formatDate(sub.graceUntil, false) }) : t('banner.pastDue'));
  }
  if (banners.length === 0) return null;
  return (
    <div className="space-y-1">
      {banners.map((text) => (
        <div key={text} role="alert" className="border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
          {text}
        </div>
      ))}
    </div>
  );
}
