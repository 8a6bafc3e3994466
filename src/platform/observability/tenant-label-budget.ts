/** The label value of every tenant without a label of its own. */
export const OTHER_TENANT = 'other';

/**
 * Which tenants get a `tenant` label of their own, at most `budget` of them per process
 * (docs/adr/0019-observability.md). A space-saving sketch (Metwally et al.) of `budget x 8`
 * counters finds the heavy hitters in O(1) memory; a tenant is admitted once its guaranteed count
 * (count minus the sketch's error) reaches `minRequests`, while fewer than `budget` are admitted.
 * Admission is sticky for the process's lifetime: a label never moves from one tenant to another,
 * so no series is orphaned and the number of tenant values per label set never exceeds budget + 1.
 * Tenants listed in `always` (e.g. paid plans) are admitted first, within the same budget.
 */
export class TenantLabelBudget {
  private readonly admitted = new Set<string>();
  private readonly counts = new Map<string, { count: number; error: number }>();
  private readonly capacity: number;

  constructor(
    readonly budget: number,
    private readonly minRequests = 20,
  ) {
    this.capacity = Math.max(16, budget * 8);
  }

  /** The label value for a request of `tenantId` (undefined: no tenant, e.g. a public route). */
  labelFor(tenantId: string | undefined): string {
    if (tenantId === undefined) return 'none';
    if (this.admitted.has(tenantId)) return tenantId;
    if (this.admitted.size >= this.budget) return OTHER_TENANT;
    const entry = this.observe(tenantId);
    if (entry.count - entry.error < this.minRequests) return OTHER_TENANT;
    this.admitted.add(tenantId);
    this.counts.delete(tenantId);
    return tenantId;
  }

  /** Admits a tenant at once (a paid plan), if the budget has room. */
  admit(tenantId: string): boolean {
    if (this.admitted.has(tenantId)) return true;
    if (this.admitted.size >= this.budget) return false;
    this.admitted.add(tenantId);
    this.counts.delete(tenantId);
    return true;
  }

  get admittedCount(): number {
    return this.admitted.size;
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
