import { createHmac, hkdfSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TEST_JWT_SECRET } from '../support/database.js';
import { expectProblem, type TestTenant } from '../support/http-app.js';
import {
  auditEvents,
  eventually,
  fillEveryTenantTable,
  type Harness,
  makeMember,
  type Member,
  rowCounts,
  setTenantStatus,
  startHarness,
  tenantTables,
} from './tenant-helpers.js';

/**
 * Data exports: POST /api/v1/tenant/exports queues a job that builds a JSON archive of all the
 * tenant's data; GET /api/v1/tenant/exports/:id then gives a signed, expiring download link.
 */

interface ExportView {
  id: string;
  status: 'pending' | 'ready' | 'failed';
  sizeBytes: number | null;
  createdAt: string;
  expiresAt: string | null;
  downloadUrl?: string;
}

interface Archive {
  format: string;
  exportId: string;
  tenant: Record<string, unknown>;
  users: Array<Record<string, unknown>>;
  tables: Record<string, Array<Record<string, unknown>>>;
}

let h: Harness;
let tenantA: TestTenant;
let tenantB: TestTenant;
let adminA: Member;
let memberA: Member;
let adminB: Member;
/** A's first export, built, and its archive. */
let ready: ExportView;
let archive: Archive;
let countsAtBuild: Record<string, number>;

const request = (who: Member) => h.t.inject({ method: 'POST', url: '/api/v1/tenant/exports', headers: who.auth });
const getExport = (who: Member, id: string) => h.t.inject({ method: 'GET', url: `/api/v1/tenant/exports/${id}`, headers: who.auth });
const listExports = (who: Member, query = '') => h.t.inject({ method: 'GET', url: `/api/v1/tenant/exports${query}`, headers: who.auth });
/** No Authorization header: the signed link is the only credential. */
const download = (url: string) => h.t.inject({ method: 'GET', url });

async function requestAndWait(who: Member): Promise<ExportView> {
  const res = await request(who);
  expect(res.statusCode).toBe(202);
  const { id } = res.json<ExportView>();
  return eventually(
    async () => {
      const view = (await getExport(who, id)).json<ExportView>();
      return view.status === 'pending' ? undefined : view;
    },
    15_000,
    'the export job',
  );
}

/** A link for the export as the server signs it (HKDF of JWT_SECRET), with any expiry. */
function signedUrl(tenantId: string, exportId: string, expires: number): string {
  const key = Buffer.from(hkdfSync('sha256', TEST_JWT_SECRET, 'tenantry', 'export-download-link/v1', 32));
  const sig = createHmac('sha256', key).update(`${tenantId}.${exportId}.${expires}`).digest('base64url');
  return `/api/v1/tenant/exports/${exportId}/download?tenant=${tenantId}&expires=${expires}&sig=${sig}`;
}

const flipFirst = (s: string): string => `${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;

function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url, 'http://x');
  parsed.searchParams.set(name, value);
  return `${parsed.pathname}${parsed.search}`;
}

beforeAll(async () => {
  h = await startHarness();
  tenantA = await h.t.makeTenant({ displayName: 'Alpha' });
  tenantB = await h.t.makeTenant({ displayName: 'Beta' });
  adminA = await makeMember(h.owner, tenantA.id, 'admin');
  memberA = await makeMember(h.owner, tenantA.id, 'member');
  adminB = await makeMember(h.owner, tenantB.id, 'admin');
  await fillEveryTenantTable(h, tenantA.id);
  await fillEveryTenantTable(h, tenantB.id);
  ready = await requestAndWait(adminA);
  countsAtBuild = await rowCounts(h.owner, tenantA.id);
  const res = await download(ready.downloadUrl!);
  expect(res.statusCode).toBe(200);
  archive = res.json<Archive>();
});

afterAll(async () => {
  await h?.close();
});

describe('POST /api/v1/tenant/exports', () => {
  it('answers 202 with a pending export, and audits tenant.export_requested', async () => {
    const res = await request(adminA);

    expect(res.statusCode).toBe(202);
    const view = res.json<ExportView>();
    expect(view).toEqual({ id: expect.any(String), status: 'pending', sizeBytes: null, createdAt: expect.any(String), expiresAt: null });
    expect(await auditEvents(h.owner, tenantA.id, 'tenant.export_requested')).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor_type: 'user', actor_id: adminA.userId, target_type: 'tenant_export', target_id: view.id })]),
    );
  });

  it('is 403 without tenant:export (a member)', async () => {
    expectProblem(await request(memberA), 403, 'forbidden');
  });
});

describe('a built export', () => {
  it('is ready, with its size and a signed download link', () => {
    expect(ready).toEqual({
      id: expect.any(String),
      status: 'ready',
      sizeBytes: expect.any(Number),
      createdAt: expect.any(String),
      expiresAt: expect.any(String),
      downloadUrl: expect.stringMatching(new RegExp(`^/api/v1/tenant/exports/${ready.id}/download\\?tenant=${tenantA.id}&expires=\\d+&sig=[\\w-]{43}$`)),
    });
    expect(ready.sizeBytes).toBeGreaterThan(1000);
  });

  it('is a file of the local object storage (STORAGE_DIR) under the tenant’s prefix, not bytes in the database', async () => {
    const key = `tenants/${tenantA.id}/exports/${ready.id}.json`;
    const { rows } = await h.owner.query('select storage_key, archive is null as no_bytes from tenant_exports where id = $1', [ready.id]);

    expect(rows).toEqual([{ storage_key: key, no_bytes: true }]);
    const file = await readFile(path.join(h.t.config.env.STORAGE_DIR, ...key.split('/')));
    expect(file.length).toBe(ready.sizeBytes);
  });

  it('downloads as a JSON attachment of exactly sizeBytes', async () => {
    const res = await download(ready.downloadUrl!);

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="tenantry-export-${ready.id}.json"`);
    expect(res.rawPayload.length).toBe(ready.sizeBytes);
  });

  it("holds the tenant row and every row of every tenant table of the tenant's", async () => {
    expect(archive).toMatchObject({ format: 'tenantry.export/v1', exportId: ready.id, tenant: { id: tenantA.id, slug: tenantA.slug, status: 'active' } });
    expect(Object.keys(archive.tables).sort()).toEqual((await tenantTables(h.owner)).sort());
    const exported = Object.fromEntries(Object.entries(archive.tables).map(([table, rows]) => [table, rows.length]));
    expect(exported).toEqual(countsAtBuild);
    for (const rows of Object.values(archive.tables)) for (const row of rows) expect(row.tenant_id).toBe(tenantA.id);
    expect(archive.tables.tenant_settings).toEqual([expect.objectContaining({ display_name: 'Alpha' })]);
  });

  it("holds nothing of another tenant's", () => {
    const text = JSON.stringify(archive);

    expect(text).not.toContain(tenantB.id);
    expect(text).not.toContain(tenantB.slug);
    expect(text).not.toContain(adminB.email);
  });

  it("holds the members' user records, without password hashes or other credentials", () => {
    const emails = archive.users.map((u) => u.email);
    expect(emails).toEqual(expect.arrayContaining([adminA.email, memberA.email]));
    expect(archive.users.length).toBe(countsAtBuild.memberships);
    const text = JSON.stringify(archive);
    for (const secret of ['password_hash', 'passwordHash', 'token_hash', 'key_hash', 'api_key_encrypted', '"archive"']) expect(text).not.toContain(secret);
  });

  it('writes bigint as strings and bytes as hex', () => {
    const audit = archive.tables.audit_events!;
    expect(audit.map((e) => e.seq)).toEqual(audit.map((_, i) => String(i + 1)));
    expect(audit[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(archive.tables.usage_counters?.find((c) => c.metric === 'messages')?.used).toBe('5');
  });

  it('is listed, newest first, with cursor pagination', async () => {
    const first = await listExports(adminA, '?limit=1');
    expect(first.statusCode).toBe(200);
    const page = first.json<{ data: ExportView[]; nextCursor: string | null }>();
    expect(page.data).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.any(String));

    const all = await listExports(adminA, '?limit=100');
    const ids = all.json<{ data: ExportView[] }>().data.map((e) => e.id);
    expect(ids).toContain(ready.id);
    expect(ids[0]).toBe(page.data[0]!.id);
    expect((await listExports(adminB)).json<{ data: ExportView[] }>().data.map((e) => e.id)).not.toContain(ready.id);
  });
});

describe('the signed download link', () => {
  it.each<[string, (url: string) => string]>([
    ['a tampered signature', (url) => withParam(url, 'sig', flipFirst(new URL(url, 'http://x').searchParams.get('sig')!))],
    ['a later expiry than signed', (url) => withParam(url, 'expires', String(Number(new URL(url, 'http://x').searchParams.get('expires')) + 3600))],
    ["another tenant's id", (url) => withParam(url, 'tenant', tenantB.id)],
    ['no signature', (url) => url.replace(/&sig=[^&]+/, '')],
    ['a malformed expiry', (url) => withParam(url, 'expires', 'tomorrow')],
  ])('is refused with 403 export_link_invalid for %s', async (_case, alter) => {
    const res = await download(alter(ready.downloadUrl!));

    const body = expectProblem(res, 403, 'export_link_invalid');
    expect(JSON.stringify(body)).not.toContain(tenantA.slug);
  });

  it('is refused with 403 export_link_expired once expired (a valid signature)', async () => {
    const expired = signedUrl(tenantA.id, ready.id, Math.floor(Date.now() / 1000) - 5);

    expectProblem(await download(expired), 403, 'export_link_expired');
    // The same link, not yet expired, works: the expiry, not the signing, is what is refused.
    expect((await download(signedUrl(tenantA.id, ready.id, Math.floor(Date.now() / 1000) + 60))).statusCode).toBe(200);
  });

  it("does not open another tenant's export: its id with this tenant's signature is refused", async () => {
    const exportB = await requestAndWait(adminB);
    const query = new URL(ready.downloadUrl!, 'http://x').search;

    expectProblem(await download(`/api/v1/tenant/exports/${exportB.id}/download${query}`), 403, 'export_link_invalid');
  });

  it('stops working when the tenant is deleted', async () => {
    const tenant = await h.t.makeTenant();
    const admin = await makeMember(h.owner, tenant.id, 'admin');
    const view = await requestAndWait(admin);

    await setTenantStatus(h.owner, tenant.id, 'deleted');

    expectProblem(await download(view.downloadUrl!), 403, 'tenant_deleted');
  });

  it('answers 410 export_expired once the archive itself has expired', async () => {
    const tenant = await h.t.makeTenant();
    const admin = await makeMember(h.owner, tenant.id, 'admin');
    const view = await requestAndWait(admin);

    await h.owner.query(`update tenant_exports set expires_at = now() - interval '1 second' where id = $1`, [view.id]);

    expectProblem(await download(view.downloadUrl!), 410, 'export_expired');
    expect((await getExport(admin, view.id)).json<ExportView>().downloadUrl).toBeUndefined();
  });
});

describe("another tenant's export id", () => {
  it('is 404 export_not_found on GET /api/v1/tenant/exports/:id', async () => {
    const res = await getExport(adminB, ready.id);

    const body = expectProblem(res, 404, 'export_not_found');
    expect(JSON.stringify(body)).not.toContain(tenantA.id);
  });
});

describe('a suspended tenant', () => {
  it('may still export (request, see, download) while GET /api/v1/tenant is 403 tenant_suspended', async () => {
    const tenant = await h.t.makeTenant();
    const admin = await makeMember(h.owner, tenant.id, 'admin');
    await setTenantStatus(h.owner, tenant.id, 'suspended');

    expectProblem(await h.t.inject({ method: 'GET', url: '/api/v1/tenant', headers: admin.auth }), 403, 'tenant_suspended');
    const view = await requestAndWait(admin);
    expect(view.status).toBe('ready');
    expect((await listExports(admin)).statusCode).toBe(200);
    const res = await download(view.downloadUrl!);
    expect(res.statusCode).toBe(200);
    expect(res.json<Archive>().tenant).toMatchObject({ id: tenant.id, status: 'suspended' });
  });
});
