/**
 * How a Stripe subscription status maps to the tenant's plan and standing (pure; the sync
 * service applies the decision):
 *
 * | status                                  | plan                 | grace period               | tenant               |
 * | --------------------------------------- | -------------------- | -------------------------- | -------------------- |
 * | trialing, active                        | the price's plan     | cleared                    | billing suspension lifted |
 * | past_due                                | unchanged (paid plan)| starts (now + grace days)  | suspended when it ends |
 * | unpaid                                  | unchanged            | kept                       | suspended            |
 * | canceled, incomplete_expired, paused    | free                 | cleared                    | billing suspension lifted |
 * | incomplete (first payment pending)      | unchanged            | unchanged                  | unchanged            |
 */
export interface CurrentStanding {
  plan: string;
  graceUntil: Date | null;
}

export interface Decision {
  plan: string;
  graceUntil: Date | null;
  /** Suspend the tenant for billing (if it is active). */
  suspend: boolean;
  /** Lift a suspension that billing made (never an administrator's). */
  resume: boolean;
}

export const FREE_PLAN = 'free';

/** Statuses in which the tenant has a live subscription: a second Checkout would double-bill it. */
export const LIVE_STATUSES: ReadonlySet<string> = new Set(['trialing', 'active', 'past_due', 'unpaid', 'incomplete']);

const ENDED: ReadonlySet<string> = new Set(['canceled', 'incomplete_expired', 'paused']);

export function isEnded(status: string): boolean {
  return ENDED.has(status);
}

/**
 * @param pricePlan the plan the subscription's price sells (needed for trialing/active)
 */
export function decide(status: string, pricePlan: string | null, current: CurrentStanding, now: Date, graceDays: number): Decision {
  const unchanged: Decision = { plan: current.plan, graceUntil: current.graceUntil, suspend: false, resume: false };
  switch (status) {
    case 'trialing':
    case 'active':
      return { plan: pricePlan ?? current.plan, graceUntil: null, suspend: false, resume: true };
    case 'past_due': {
      const graceUntil = current.graceUntil ?? new Date(now.getTime() + graceDays * 86_400_000);
      return { plan: pricePlan ?? current.plan, graceUntil, suspend: graceUntil.getTime() <= now.getTime(), resume: false };
    }
    case 'unpaid':
      return { plan: pricePlan ?? current.plan, graceUntil: current.graceUntil, suspend: true, resume: false };
    case 'canceled':
    case 'incomplete_expired':
    case 'paused':
      return { plan: FREE_PLAN, graceUntil: null, suspend: false, resume: true };
    default: // incomplete, and any status Stripe adds later
      return unchanged;
  }
}
