import { Injectable } from '@nestjs/common';
import { TenantContext } from '../context/tenant-context.js';
import { ACCESS_CACHE_TTL_MS, AccessEpochs } from './access-epochs.js';
import { EpochCache, type EpochStamp } from './epoch-cache.js';

/**
 * The one per-instance cache of a tenant's configuration that changes rarely (plan limits today;
 * the widget's assistant settings and status are meant to move here too), invalidated like the
 * principals (AccessEpochs): whoever changes it announces the tenant's change after commit.
 *
 * A value is served only under the epochs the current request already read for its tenant (the
 * authenticated guard stamps the context: no extra Redis round trip), and only to that tenant: the
 * key names the tenant, and a context of another tenant, or without a stamp (a job, Redis down),
 * reads the database. A path without a stamp may take one with `stamp` (one Redis round trip).
 */
@Injectable()
export class TenantConfigCache {
  private readonly values: EpochCache<unknown>;

  constructor(
    private readonly epochs: AccessEpochs,
    private readonly ctx: TenantContext,
  ) {
    this.values = epochs.register(new EpochCache<unknown>(ACCESS_CACHE_TTL_MS, 20_000));
  }

  /** A cache that holds nothing (every `get` loads): for tools and tests built without Redis. */
  static uncached(ctx: TenantContext): TenantConfigCache {
    return new TenantConfigCache({ register: <C>(cache: C) => cache } as unknown as AccessEpochs, ctx);
  }

  /** `kind` of the tenant's configuration: from memory when the request's epochs allow, else `load()`. */
  async get<V>(kind: string, tenantId: string, load: () => Promise<V>): Promise<V> {
    const stamp = this.stampOf(tenantId);
    if (stamp === undefined) return load();
    const key = `${kind}:${tenantId}`;
    const hit = this.values.get(key, stamp);
    if (hit !== undefined) return hit as V;
    const value = await load();
    this.values.set(key, Object.freeze(value), { tenantId }, stamp);
    return value;
  }

  /**
   * Reads the tenant's epochs into the context (for a path the guard did not stamp, e.g. the
   * widget), or takes `known`, read for this tenant in the caller's own round trip (EdgeAdmission).
   */
  async stamp(tenantId: string, known?: EpochStamp): Promise<void> {
    const state = this.ctx.current();
    if (!state || state.tenantId !== tenantId) return;
    state.epochStamp = known ?? (await this.epochs.read({ tenantId }));
  }

  private stampOf(tenantId: string): EpochStamp | undefined {
    const state = this.ctx.current();
    if (state?.tenantId !== tenantId || state.epochStamp === undefined) return undefined;
    return tenantPart(state.epochStamp);
  }
}

/** The global and tenant parts of a stamp (`all.tenant.user` → `all.tenant.-`): what tenant configuration depends on. */
function tenantPart(stamp: EpochStamp): EpochStamp {
  return stamp.slice(0, stamp.lastIndexOf('.')) + '.-' as EpochStamp;
}
