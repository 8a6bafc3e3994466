import { z } from 'zod';

/** The event types the webhook accepts; anything else is acknowledged and dropped (not stored). */
export const HANDLED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
]);

const id = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_\\w+$`));
/** An expandable field: the id, or the object carrying it. */
const ref = (prefix: string) => z.union([id(prefix), z.object({ id: id(prefix) }).transform((o) => o.id)]);

const checkoutSession = z.object({ customer: ref('cus').nullish(), subscription: ref('sub').nullish(), mode: z.string() });
const subscription = z.object({ id: id('sub'), customer: ref('cus') });
/** Invoices name their subscription under parent.subscription_details (API 2025-03+) or, before, at the top. */
const invoice = z.object({
  id: z.string().optional(),
  customer: ref('cus').nullish(),
  subscription: ref('sub').nullish(),
  parent: z.object({ subscription_details: z.object({ subscription: ref('sub') }).nullish() }).nullish(),
});

export interface EventRefs {
  customerId: string | null;
  subscriptionId: string | null;
  /** The invoice's id (invoice events), for the audit log. */
  invoiceId?: string;
}

/**
 * The ids an event names, and nothing else: the job re-fetches the subscription from Stripe and
 * never trusts the payload's statuses, prices or dates. A payload of the wrong shape names nothing.
 */
export function eventRefs(type: string, payload: unknown): EventRefs {
  const object = (payload as { data?: { object?: unknown } } | null)?.data?.object;
  const none: EventRefs = { customerId: null, subscriptionId: null };
  if (type === 'checkout.session.completed') {
    const parsed = checkoutSession.safeParse(object);
    if (!parsed.success || parsed.data.mode !== 'subscription') return none;
    return { customerId: parsed.data.customer ?? null, subscriptionId: parsed.data.subscription ?? null };
  }
  if (type.startsWith('customer.subscription.')) {
    const parsed = subscription.safeParse(object);
    return parsed.success ? { customerId: parsed.data.customer, subscriptionId: parsed.data.id } : none;
  }
  if (type.startsWith('invoice.')) {
    const parsed = invoice.safeParse(object);
    if (!parsed.success) return none;
    return {
      customerId: parsed.data.customer ?? null,
      subscriptionId: parsed.data.parent?.subscription_details?.subscription ?? parsed.data.subscription ?? null,
      invoiceId: parsed.data.id,
    };
  }
  return none;
}
