/** The label value of every tenant without a label of its own. */
export const OTHER_TENANT = 'other';

export interface TenantLabelBudgetOptions {
  /** Labels reserved for tenants on paid plans (admitPaid), on top of `budget` (0: none). */
  paidBudget?: number;
  /** Guaranteed requests before a tenant counts as busy. */
  minRequests?: number;
}

/**
 * Which tenants get a `tenant` label of their own, in two separate budgets per process
 * (docs/adr/0019-observability.md):
 * - the busiest, at most `budget`: a space-saving sketch (Metwally et al.) of `budget x 8`
 *   counters finds the heavy hitters in O(1) memory; a tenant is admitted once its guaranteed
 *   count (count minus the sketch's error) reaches `minRequests`;
 * - tenants on paid plans, at most `paidBudget`, admitted at once when the code that already
 *   knows a tenant's plan says so (`admitPaid`: the rate limiter's cached plan lookup), whatever
 *   their traffic. A paid tenant already labelled as a busy one takes no second label.
 * Admission is sticky for the process's lifetime (a downgrade keeps the label): a label never
 * moves from one tenant to another, so no series is orphaned and the number of tenant values per
 * label set never exceeds budget + paidBudget + 1 (`other`), plus `none` for requests without one.
 */
export class TenantLabelBudget {
  private readonly busiest = new Set<string>();
  private readonly paid = new Set<string>();
  private readonly counts = new Map<string, { count: number; error: number }>();
  private readonly capacity: number;
  readonly paidBudget: number;
  private readonly minRequests: number;

  constructor(
    readonly budget: number,
    options: TenantLabelBudgetOptions = {},
  ) {
    this.paidBudget = options.paidBudget ?? 0;
    this.minRequests = options.minRequests ?? 20;
    this.capacity = Math.max(16, budget * 8);
  }

  /** The label value for a request of `tenantId` (undefined: no tenant, e.g. a public route). */
  labelFor(tenantId: string | undefined): string {
    if (tenantId === undefined) return 'none';
    if (this.busiest.has(tenantId) || this.paid.has(tenantId)) return tenantId;
    if (this.busiest.size >= this.budget) return OTHER_TENANT;
    const entry = this.observe(tenantId);
    if (entry.count - entry.error < this.minRequests) return OTHER_TENANT;
    this.busiest.add(tenantId);
    this.counts.delete(tenantId);
    return tenantId;
  }

  /**
   * A tenant on a paid plan: labelled from its next request on, if the paid budget has room
   * (true when it is labelled). Cheap enough for a hot path: two set lookups once admitted.
   */
  admitPaid(tenantId: string): boolean {
    if (this.busiest.has(tenantId) || this.paid.has(tenantId)) return true;
    if (this.paid.size >= this.paidBudget) return false;
    this.paid.add(tenantId);
    this.counts.delete(tenantId);
    return true;
  }

  /** Tenants labelled for their traffic, and for their plan. */
  get admitted(): { busiest: number; paid: number } {
    return { busiest: this.busiest.size, paid: this.paid.size };
  }

  private observe(tenantId: string): { count: number; error: number } {
    const known = this.counts.get(tenantId);
    if (known) {
      known.count += 1;
      return known;
    }
    if (this.counts.size < this.capacity) {
      const fresh = { count: 1, error: 0 };
      this.counts.set(tenantId, fresh);
      return fresh;
    }
    // Space-saving: the newcomer replaces the smallest counter and inherits its count as error.
    // A linear scan over `capacity` entries, only for tenants not yet tracked; with budget 50
    // that is 400 entries, about a microsecond.
    let minKey = '';
    let min = Infinity;
    for (const [key, value] of this.counts) {
      if (value.count < min) {
        min = value.count;
        minKey = key;
        if (min <= 1) break;
      }
    }
    this.counts.delete(minKey);
    const replaced = { count: min + 1, error: min };
    this.counts.set(tenantId, replaced);
    return replaced;
  }
}
