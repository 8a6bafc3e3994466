import { z } from 'zod';

const count = z.number().int().min(0);

/**
 * A plan's limits (plans.limits) and the shape of a tenant's overrides (tenants.limit_overrides):
 * seats, messages and tokens per month, chat requests per 10 s, API requests per minute, and the
 * models the tenant may use ("*" allows any model).
 */
export const planLimitsSchema = z.object({
  seats: count,
  messages_per_month: count,
  tokens_per_month: count,
  chat_per_10s: count,
  api_per_minute: count,
  allowed_models: z.array(z.string().min(1)),
});
export type PlanLimits = z.output<typeof planLimitsSchema>;

/** Overrides replace the plan's value key by key; anything unknown or malformed is ignored. */
export const limitOverridesSchema = planLimitsSchema.partial();

export const ANY_MODEL = '*';

/** The plan's limits with the tenant's overrides on top (an override never merges lists, it replaces). */
export function mergeLimits(plan: PlanLimits, overrides: unknown): PlanLimits {
  const merged: PlanLimits = { ...plan };
  const raw = overrides !== null && typeof overrides === 'object' && !Array.isArray(overrides) ? (overrides as Record<string, unknown>) : {};
  for (const key of Object.keys(planLimitsSchema.shape) as Array<keyof PlanLimits>) {
    if (!(key in raw)) continue;
    const parsed = planLimitsSchema.shape[key].safeParse(raw[key]);
    if (parsed.success) (merged as Record<string, unknown>)[key] = parsed.data;
  }
  return merged;
}

export function isModelAllowed(limits: PlanLimits, model: string): boolean {
  return limits.allowed_models.includes(ANY_MODEL) || limits.allowed_models.includes(model);
}
