import { call, client } from '../../api/client.ts';

export const getSubscription = () => call(client.GET('/api/v1/billing/subscription'));
export const startCheckout = (planId: string) => call(client.POST('/api/v1/billing/checkout', { body: { planId } }));
export const openPortal = () => call(client.POST('/api/v1/billing/portal'));
