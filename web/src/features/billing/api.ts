import { call, client } from '../../api/client.ts';
import type { SubscriptionView } from '../../api/views.ts';

export const getSubscription = () => call<SubscriptionView>(client.GET('/api/v1/billing/subscription'));
export const startCheckout = (planId: string) => call<{ url: string }>(client.POST('/api/v1/billing/checkout', { body: { planId } }));
export const openPortal = () => call<{ url: string }>(client.POST('/api/v1/billing/portal'));
