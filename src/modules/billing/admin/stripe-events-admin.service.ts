import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { TenantContext } from '../../../platform/context/tenant-context.js';
import { decodeCursor, type Page, toPage } from '../../../platform/http/pagination.js';
import { AccessError, AccessErrorCode } from '../../../platform/security/access.errors.js';
import { BillingError, BillingErrorCode } from '../billing.errors.js';
import { type InboxEventView, StripeInbox } from '../inbox/stripe-inbox.repository.js';
import { BillingJobs } from '../jobs/billing-jobs.js';
import type { ListStripeEventsQuery } from './dto/stripe-events-admin.dto.js';

export interface ResentStripeEventView {
  id: string;
  jobState: string;
}

const cursorSchema = z.object({ receivedAt: z.iso.datetime(), id: z.string().max(256) });

/**
 * The Stripe inbox in the platform console: the events that failed (docs/adr/0008), and a resend
 * once the cause is fixed. A resend takes the path of a redelivery from Stripe's dashboard: the
 * event's job is queued again with a fresh set of attempts and applies the row as the webhook
 * would (idempotent: the job only takes an unapplied row).
 */
@Injectable()
export class StripeEventsAdminService {
  private readonly logger = new Logger('StripeEventsAdmin');

  constructor(
    private readonly ctx: TenantContext,
    private readonly inbox: StripeInbox,
    private readonly jobs: BillingJobs,
  ) {}

  async list(query: ListStripeEventsQuery): Promise<Page<InboxEventView>> {
    this.requirePlatformAdmin();
    const after = decodeCursor(query.cursor, cursorSchema);
    const rows = await this.inbox.list(query.status, query.limit + 1, after && { receivedAt: new Date(after.receivedAt), id: after.id });
    return toPage(rows, query.limit, (row) => ({ receivedAt: row.receivedAt.toISOString(), id: row.id }));
  }

  /** 404 unknown, 409 unless failed; calling it again before the job takes the event changes nothing. */
  async resend(id: string): Promise<ResentStripeEventView> {
    this.requirePlatformAdmin();
    const event = await this.inbox.find(id);
    if (!event) throw new BillingError(BillingErrorCode.StripeEventNotFound, `No Stripe event ${id} in the inbox`);
    if (event.status !== 'failed') throw new BillingError(BillingErrorCode.StripeEventNotFailed, `Stripe event ${id} is ${event.status}, not failed`);
    const jobState = await this.jobs.resendStripeEvent(id);
    this.logger.log({ adminUserId: this.ctx.userId, eventId: id, type: event.type, attempts: event.attempts, jobState }, 'failed stripe event resent');
    return { id, jobState };
  }

  private requirePlatformAdmin(): void {
    if (!this.ctx.current()?.isPlatformAdmin) throw new AccessError(AccessErrorCode.PlatformAdminRequired, 'Platform administrators only');
  }
}
