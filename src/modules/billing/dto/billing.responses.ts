import { z } from 'zod';
import { count, type Jsonified, named, timestamp } from '../../../platform/http/api-schemas.js';
import type { PlanView } from '../plans/plans.service.js';
import type { RedirectView, SubscriptionView } from './billing.dto.js';

/** Response bodies of the billing routes (request bodies: billing.dto.ts). */
export const planSchema = named(
  'Plan',
  z.object({
    id: z.string(),
    name: z.string(),
    limits: z.object({
      seats: count,
      messages_per_month: count,
      tokens_per_month: count,
      chat_per_10s: count,
      api_per_minute: count,
      allowed_models: z.array(z.string()).meta({ description: '"*" allows any model' }),
    }),
    selfServe: z.boolean().meta({ description: 'Can be bought through Checkout here (it has a Stripe price)' }),
  }),
) satisfies z.ZodType<Jsonified<PlanView>>;

export const planListSchema = named('PlanList', z.array(planSchema));

export const redirectSchema = named(
  'Redirect',
  z.object({ url: z.string().meta({ description: "Where to send the browser: Stripe's hosted Checkout page or customer portal" }) }),
) satisfies z.ZodType<Jsonified<RedirectView>>;

export const subscriptionSchema = named(
  'Subscription',
  z.object({
    plan: z.string(),
    status: z.string().meta({ description: "Stripe's subscription status, or 'none' before the first subscription" }),
    currentPeriodEnd: timestamp.nullable(),
    cancelAtPeriodEnd: z.boolean(),
    graceUntil: timestamp.optional().meta({ description: 'While past_due: when the tenant will be suspended unless a payment succeeds' }),
  }),
) satisfies z.ZodType<Jsonified<SubscriptionView>>;
