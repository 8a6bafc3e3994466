import { z } from 'zod';
import { pageQuerySchema } from '../../../../platform/http/pagination.js';
import { zodDto } from '../../../../platform/http/validation.js';

export const INBOX_STATUSES = ['pending', 'processing', 'processed', 'ignored', 'failed'] as const;

export class ListStripeEventsQuery extends zodDto(pageQuerySchema.extend({ status: z.enum(INBOX_STATUSES).default('failed') })) {}

/** Stripe event ids: `evt_` and letters, digits, underscores (what the webhook job accepts). */
export class StripeEventIdParam extends zodDto(z.object({ id: z.string().regex(/^evt_\w{1,200}$/, 'must be a Stripe event id (evt_...)') })) {}
