import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TenantContext } from '../context/tenant-context.js';
import { sameBytes } from '../crypto/tokens.js';
import { TenantDb } from '../db/tenant-db.js';
import { canonicalJson } from './canonical-json.js';

/** What happened. The actor, tenant, IP, user agent and time come from the context. */
export interface AuditEntry {
  /** `<area>.<verb>`: `auth.login`, `auth.login_failed`, `member.role_changed`, `api_key.created`, … */
  action: string;
  targetType?: string;
  targetId?: string;
  /** Details; never secrets (no tokens, hashes or passwords). */
  data?: Record<string, unknown>;
}

export interface RecordOptions {
  /** Record in this tenant's log rather than the context's (e.g. a platform admin's action). */
  tenantId?: string;
}

export interface ChainCheck {
  ok: boolean;
  /** Events found intact, from the first one on. */
  checked: number;
  /** The first event whose seq, prev_hash or hash does not match its content and predecessor. */
  brokenAtSeq?: string;
  /**
   * The head of an intact chain (hex hash and its seq). The chain cannot reveal its own tail being
   * cut off: keep the head somewhere else and compare it later to detect that too.
   */
  head?: { seq: string; hash: string };
}

const GENESIS = new Uint8Array(32);
const VERIFY_PAGE = 500;

/** The fields an event's hash covers: all of them but the hashes themselves. */
export interface ChainedFields {
  tenantId: string;
  seq: bigint;
  id: string;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: unknown;
  createdAt: Date;
}

const CHAINED_SELECT = {
  tenantId: true,
  seq: true,
  id: true,
  actorType: true,
  actorId: true,
  action: true,
  targetType: true,
  targetId: true,
  ip: true,
  userAgent: true,
  data: true,
  createdAt: true,
} as const;

/**
 * sha256(previous hash || canonical JSON of the event): editing or removing any event breaks every
 * later hash. The fields are picked one by one, so a row read back with more columns (its hashes)
 * hashes the same as the event that was written.
 */
export function chainHash(prev: Uint8Array, event: ChainedFields): Uint8Array<ArrayBuffer> {
  const body = canonicalJson({
    tenantId: event.tenantId,
    seq: event.seq.toString(),
    id: event.id,
    actorType: event.actorType,
    actorId: event.actorId,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    ip: event.ip,
    userAgent: event.userAgent,
    data: event.data,
    createdAt: event.createdAt.toISOString(),
  });
  return new Uint8Array(createHash('sha256').update(prev).update(body).digest());
}

/**
 * The tenant audit log: append-only (the tenant role has no UPDATE or DELETE on it) and
 * tamper-evident (each event's hash chains to the previous event of its tenant).
 *
 * `record` joins the unit of work in progress, so an event is written if and only if the change
 * it describes is. Events of one tenant are serialized by a transaction-scoped advisory lock, so
 * the chain never forks under concurrency.
 */
@Injectable()
export class AuditLog {
  constructor(
    private readonly db: TenantDb,
    private readonly ctx: TenantContext,
  ) {}

  async record(entry: AuditEntry, options: RecordOptions = {}): Promise<void> {
    const current = this.ctx.current();
    const tenantId = options.tenantId ?? this.ctx.requireTenantId('recording an audit event');
    const write = (): Promise<void> => this.db.transaction(() => this.append(tenantId, entry));
    if (options.tenantId && options.tenantId !== current?.tenantId) {
      // Another tenant's log: its own unit of work, in a context for that tenant.
      await this.ctx.run({ ...current, tenantId: options.tenantId }, write);
    } else {
      await write();
    }
  }

  /**
   * Recomputes the chain of the tenant in context from its first event: seqs run 1, 2, 3, ...
   * without gaps, each prev_hash is the previous event's hash, each hash matches its content.
   */
  async verify(): Promise<ChainCheck> {
    const tenantId = this.ctx.requireTenantId('verifying the audit chain');
    let prev: Uint8Array = GENESIS;
    let last = 0n;
    let checked = 0;
    for (;;) {
      const page = await this.db.client.auditEvent.findMany({
        where: { tenantId, seq: { gt: last } },
        orderBy: { seq: 'asc' },
        take: VERIFY_PAGE,
        select: { ...CHAINED_SELECT, prevHash: true, hash: true },
      });
      for (const event of page) {
        const intact = event.seq === last + 1n && sameBytes(event.prevHash, prev) && sameBytes(event.hash, chainHash(prev, event));
        if (!intact) return { ok: false, checked, brokenAtSeq: event.seq.toString() };
        prev = event.hash;
        last = event.seq;
        checked++;
      }
      if (page.length < VERIFY_PAGE) {
        return { ok: true, checked, ...(checked > 0 && { head: { seq: last.toString(), hash: Buffer.from(prev).toString('hex') } }) };
      }
    }
  }

  private async append(tenantId: string, entry: AuditEntry): Promise<void> {
    const ctx = this.ctx.current();
    // The function returns void, which Prisma cannot read back: select a constant from it instead.
    await this.db.sql`select 1 as locked from pg_advisory_xact_lock(hashtextextended(${`audit:${tenantId}`}, 0))`;
    const last = await this.db.client.auditEvent.findFirst({
      where: { tenantId },
      orderBy: { seq: 'desc' },
      select: { seq: true, hash: true },
    });
    const actorType = ctx?.actor ?? (ctx?.apiKeyId ? 'api_key' : ctx?.userId ? 'user' : 'system');
    const event: ChainedFields = {
      tenantId,
      seq: (last?.seq ?? 0n) + 1n,
      id: randomUUID(),
      actorType,
      actorId: (actorType === 'api_key' ? ctx?.apiKeyId : ctx?.userId) ?? null,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      ip: ctx?.ip ?? null,
      userAgent: ctx?.userAgent ?? null,
      data: JSON.parse(canonicalJson(entry.data ?? {})),
      // Millisecond precision: what timestamptz(3) stores, so the hash can be recomputed.
      createdAt: new Date(),
    };
    const prevHash = last?.hash ?? GENESIS;
    await this.db.client.auditEvent.create({
      data: { ...event, data: event.data as object, prevHash: new Uint8Array(prevHash), hash: chainHash(prevHash, event) },
      select: { seq: true },
    });
  }
}
