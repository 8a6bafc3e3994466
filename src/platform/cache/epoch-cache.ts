/** Whose change invalidates an entry: its tenant, its user, or both. */
export interface CacheScope {
  tenantId?: string;
  userId?: string;
}

/**
 * The epochs of one request, read from Redis before the cache is consulted (AccessEpochs.read):
 * a global one, the tenant's and the user's, joined. An entry is served only if it was stored
 * under exactly these, so any change announced since (AccessEpochs.changed) misses it.
 */
export type EpochStamp = string & { readonly __epochStamp: unique symbol };

interface Entry<V> {
  value: V;
  stamp: EpochStamp;
  tenantId?: string;
  userId?: string;
  expiresAt: number;
}

/**
 * An in-process cache of values derived from the database (a principal, a tenant's limits), each
 * entry tied to the epochs it was read under and to a lifetime. Keys must name everything the
 * value depends on (tenant, user, session, key hash): a lookup under another tenant's key is
 * another entry, never this one. Dropped by scope when a change is announced (pub/sub), and
 * checked against the request's epochs on every read, so a message that arrives late never
 * serves stale data.
 */
export class EpochCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value stored under `key` with exactly `stamp`, still within its lifetime; else undefined. */
  get(key: string, stamp: EpochStamp, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.stamp !== stamp || entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /**
   * The value stored under `key` and the stamp it was stored with, still within its lifetime,
   * whatever the current epochs: for a caller that checks the stamp itself, in the same step that
   * reads the epochs (EdgeAdmission). Never serve the value without that check.
   */
  peek(key: string, now = Date.now()): { value: V; stamp: EpochStamp } | undefined {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expiresAt > now ? { value: entry.value, stamp: entry.stamp } : undefined;
  }

  set(key: string, value: V, scope: CacheScope, stamp: EpochStamp, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) this.evict(now);
    this.entries.set(key, { value, stamp, tenantId: scope.tenantId, userId: scope.userId, expiresAt: now + this.ttlMs });
  }

  /** Drops every entry of the tenant or the user named (either matches), or all with 'all'. */
  drop(scope: CacheScope | 'all'): void {
    if (scope === 'all') {
      this.entries.clear();
      return;
    }
    for (const [key, entry] of this.entries) {
      if ((scope.tenantId !== undefined && entry.tenantId === scope.tenantId) || (scope.userId !== undefined && entry.userId === scope.userId)) {
        this.entries.delete(key);
      }
    }
  }

  /** Expired entries first; if none, the oldest inserted tenth (Map keeps insertion order). */
  private evict(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    if (this.entries.size < this.maxEntries) return;
    let n = Math.ceil(this.maxEntries / 10);
    for (const key of this.entries.keys()) {
      if (n-- <= 0) break;
      this.entries.delete(key);
    }
  }
}
