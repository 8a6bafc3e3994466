import { z } from 'zod';
import { count, type Jsonified, named, pageOf, timestamp } from '../../../../platform/http/api-schemas.js';
import type { InboxEventView } from '../../inbox/stripe-inbox.repository.js';
import type { ResentStripeEventView } from '../stripe-events-admin.service.js';
import { INBOX_STATUSES } from './stripe-events-admin.dto.js';

/** Response bodies of the Stripe inbox's console routes (requests: stripe-events-admin.dto.ts). */
export const stripeInboxEventSchema = named(
  'StripeInboxEvent',
  z.object({
    id: z.string(),
    type: z.string(),
    status: z.enum(INBOX_STATUSES),
    attempts: count.meta({ description: 'Attempts so far, across all its jobs' }),
    lastError: z.string().nullable(),
    created: timestamp.meta({ description: 'Stripe’s `created`: when the event happened' }),
    receivedAt: timestamp,
    updatedAt: timestamp,
    processedAt: timestamp.nullable(),
  }),
) satisfies z.ZodType<Jsonified<InboxEventView>>;

export const stripeInboxEventPageSchema = pageOf('StripeInboxEventPage', stripeInboxEventSchema);

export const resentStripeEventSchema = named(
  'ResentStripeEvent',
  z.object({
    id: z.string(),
    jobState: z.string().meta({ description: 'The state of the event’s job after the resend: waiting, active, or completed if it already ran' }),
  }),
) satisfies z.ZodType<Jsonified<ResentStripeEventView>>;
