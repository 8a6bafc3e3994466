import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type pg from 'pg';
import { TenantDb } from './tenant-db.js';
import { metrics } from '../observability/metrics.js';

/** The policy expression every tenant-owned table must use, as PostgreSQL deparses it. */
const TENANT_PREDICATE = /^\(tenant_id = \( SELECT \(NULLIF\(current_setting\('app\.tenant_id'::text, true\), ''::text\)\)::uuid AS "nullif"\)\)$/;

export class RlsSelfCheckError extends Error {
  constructor(readonly problems: string[]) {
    super(`Refusing to start: row-level security is not safe:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RlsSelfCheckError';
  }
}

/**
 * Checks, as the tenant-facing role itself, that isolation cannot be bypassed:
 * the role is not superuser, has no BYPASSRLS, cannot become a role that has either, and owns no
 * table; every table with a tenant_id column has RLS enabled and forced, a tenant_isolation policy
 * for all commands with the canonical USING and WITH CHECK, and no other permissive policy (which
 * would be OR-ed with it and widen access). Returns the problems found; empty means safe.
 */
export async function findRlsProblems(pool: pg.Pool): Promise<string[]> {
  const problems: string[] = [];
  const role = await pool.query<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean }>(
    'select rolname, rolsuper, rolbypassrls from pg_roles where rolname = current_user',
  );
  const me = role.rows[0]!;
  if (me.rolsuper) problems.push(`role ${me.rolname} is a superuser`);
  if (me.rolbypassrls) problems.push(`role ${me.rolname} has BYPASSRLS`);

  const escalations = await pool.query<{ rolname: string }>(
    `select r.rolname from pg_roles r
      where (r.rolsuper or r.rolbypassrls) and r.rolname <> current_user
        and pg_has_role(current_user, r.oid, 'MEMBER')`,
  );
  for (const r of escalations.rows) problems.push(`role ${me.rolname} can become ${r.rolname}, which bypasses RLS`);

  const owned = await pool.query<{ relname: string }>(
    `select c.relname from pg_class c
      where c.relowner = (select oid from pg_roles where rolname = current_user) and c.relkind in ('r', 'p', 'v', 'm')`,
  );
  for (const t of owned.rows) problems.push(`role ${me.rolname} owns table ${t.relname} (owners bypass non-forced RLS and can alter policies)`);

  const tables = await pool.query<{ table: string; enabled: boolean; forced: boolean }>(
    `select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p')
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
      order by 1`,
  );
  const policies = await pool.query<{ table: string; name: string; permissive: string; cmd: string; qual: string | null; check: string | null }>(
    `select tablename as table, policyname as name, permissive, cmd, qual, with_check as check
       from pg_policies where schemaname = current_schema()`,
  );
  for (const t of tables.rows) {
    if (!t.enabled) problems.push(`table ${t.table} has a tenant_id column but row-level security is not enabled`);
    if (!t.forced) problems.push(`table ${t.table} does not FORCE row-level security`);
    const own = policies.rows.filter((p) => p.table === t.table);
    const canonical = own.filter(
      (p) => p.permissive === 'PERMISSIVE' && p.cmd === 'ALL' && TENANT_PREDICATE.test(p.qual ?? '') && TENANT_PREDICATE.test(p.check ?? ''),
    );
    if (canonical.length === 0) problems.push(`table ${t.table} lacks a tenant isolation policy (ALL, USING and WITH CHECK on tenant_id)`);
    for (const p of own) {
      if (p.permissive === 'PERMISSIVE' && !canonical.includes(p)) {
        problems.push(`table ${t.table} has permissive policy ${p.name} besides tenant isolation; it widens access`);
      }
    }
  }
  return problems;
}

/** Runs the check before the server accepts traffic; a problem stops the process, saying why. */
@Injectable()
export class RlsSelfCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(RlsSelfCheck.name);

  constructor(private readonly db: TenantDb) {}

  async onApplicationBootstrap(): Promise<void> {
    const problems = await findRlsProblems(this.db.pool);
    metrics.rlsSelfCheck.set(problems.length === 0 ? 1 : 0);
    if (problems.length > 0) throw new RlsSelfCheckError(problems);
    this.logger.log('row-level security self-check passed');
  }
}
