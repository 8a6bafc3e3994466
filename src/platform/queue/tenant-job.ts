import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import type { TenantContext } from '../context/tenant-context.js';
import { PERMISSIONS } from '../security/permissions.js';

/** Every job payload carries the tenant it works for, explicitly. */
export const tenantJobPayload = z.object({ tenantId: z.guid() });

/**
 * The one way a processor runs a tenant's job: validate the payload (an invalid payload fails the
 * job for good, it would never succeed on retry), then run `fn` in that tenant's context as the
 * system actor. Processors call one service method inside `fn`; quotas and access rules are the
 * service's, as for any HTTP request.
 */
export async function runTenantJob<S extends z.ZodObject<{ tenantId: z.ZodGUID }>, R>(
  ctx: TenantContext,
  schema: S,
  job: Job,
  fn: (payload: z.output<S>) => Promise<R>,
): Promise<R> {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) {
    throw new UnrecoverableError(
      `invalid payload for job ${job.name}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  return runInTenant(ctx, parsed.data.tenantId, job, () => fn(parsed.data));
}

/**
 * Runs `fn` in the tenant's context as the system actor. For the rare platform job that learns its
 * tenant only while running (a Stripe event names a customer; the tenant is looked up from it);
 * every other job uses runTenantJob.
 */
export function runInTenant<R>(ctx: TenantContext, tenantId: string, job: Job, fn: () => Promise<R>): Promise<R> {
  return ctx.run(
    { tenantId, actor: 'system', roles: [], permissions: [...PERMISSIONS], requestId: `job:${job.queueName}:${job.id}` },
    fn,
  );
}
