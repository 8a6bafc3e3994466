import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EXPORT_PAGE_ROWS } from '../../src/modules/tenant/exports/export-archive.js';
import { PURGE_EXPORTS_JOB } from '../../src/modules/tenant/jobs/export-purge.jobs.js';
import { TenantExportsService } from '../../src/modules/tenant/exports/tenant-exports.service.js';
import { PurgeExpiredExportsJob } from '../../src/modules/tenant/jobs/purge-expired-exports.job.js';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { PERMISSIONS } from '../../src/platform/security/permissions.js';
import { createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';
import { startTestS3, type TestS3 } from '../support/s3-server.js';
import { eventually } from './tenant-helpers.js';

/**
 * Exports in an S3-compatible bucket (STORAGE_DRIVER=s3, a real server over HTTP: s3rver): the job
 * streams the archive, page by page, to `tenants/<tenantId>/exports/<exportId>.json`; the signed
 * link streams it back through the API; the purge deletes the object with the row. Exports built
 * before object storage (bytes in the row) still download.
 */

interface ExportView {
  id: string;
  status: 'pending' | 'ready' | 'failed';
  sizeBytes: number | null;
  downloadUrl?: string;
}

const S3_PORT = 3302;
/** More messages than one page holds, twice over: the archive is written from several pages. */
const MESSAGES = EXPORT_PAGE_ROWS * 2 + 17;

let s3: TestS3;
let t: TestApp;
let bucket: S3Client;

beforeAll(async () => {
  s3 = await startTestS3(S3_PORT);
  t = await createTestApp({ env: s3.env });
  bucket = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
});
afterAll(async () => {
  bucket?.destroy();
  await t?.close();
  await s3?.close();
});

async function objectOf(key: string): Promise<Buffer | 'missing'> {
  try {
    const res = await bucket.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return 'missing';
    throw error;
  }
}

async function exportAndWait(admin: TestMember): Promise<ExportView> {
  const res = await t.inject({ method: 'POST', url: '/api/v1/tenant/exports', headers: admin.auth });
  expect(res.statusCode).toBe(202);
  const { id } = res.json<ExportView>();
  return eventually(
    async () => {
      const view = (await t.inject({ method: 'GET', url: `/api/v1/tenant/exports/${id}`, headers: admin.auth })).json<ExportView>();
      return view.status === 'pending' ? undefined : view;
    },
    30_000,
    'the export job',
  );
}

async function seedMessages(tenantId: string, count: number): Promise<void> {
  await t.owner.query(
    `with c as (insert into conversations (tenant_id, channel) values ($1, 'api') returning id)
     insert into messages (tenant_id, conversation_id, role, content)
     select $1, c.id, 'user', 'message ' || n from c, generate_series(1, $2) n`,
    [tenantId, count],
  );
}

describe('an export with the S3 driver', () => {
  let tenantId: string;
  let admin: TestMember;
  let view: ExportView;
  let key: string;

  beforeAll(async () => {
    const tenant = await t.makeTenant();
    const other = await t.makeTenant();
    tenantId = tenant.id;
    admin = await t.makeMember(tenant.id, 'admin');
    await seedMessages(tenant.id, MESSAGES);
    await seedMessages(other.id, 50);
    view = await exportAndWait(admin);
    key = `tenants/${tenantId}/exports/${view.id}.json`;
  });

  it('is stored in the bucket under the tenant’s prefix, not in the database', async () => {
    expect(view.status).toBe('ready');
    const { rows } = await t.owner.query('select storage_key, archive is null as no_bytes, size_bytes from tenant_exports where id = $1', [view.id]);
    expect(rows).toEqual([{ storage_key: key, no_bytes: true, size_bytes: view.sizeBytes }]);
    const object = await objectOf(key);
    expect(object).not.toBe('missing');
    expect((object as Buffer).length).toBe(view.sizeBytes);
  });

  it('holds every message of the tenant exactly once, read over several pages, and nothing of another tenant', async () => {
    const archive = JSON.parse((await objectOf(key)).toString()) as { tables: Record<string, Array<{ id: string; tenant_id: string }>> };
    const messages = archive.tables.messages!;

    expect(messages).toHaveLength(MESSAGES);
    expect(new Set(messages.map((m) => m.id)).size).toBe(MESSAGES);
    expect(messages.every((m) => m.tenant_id === tenantId)).toBe(true);
  });

  it('downloads through the signed link, streamed from the bucket, byte for byte', async () => {
    const res = await t.inject({ method: 'GET', url: view.downloadUrl! });

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Number(res.headers['content-length'])).toBe(view.sizeBytes);
    expect(res.rawPayload.equals((await objectOf(key)) as Buffer)).toBe(true);
  });

  it('is purged with its object once expired', async () => {
    await t.owner.query(`update tenant_exports set expires_at = now() - interval '1 minute' where id = $1`, [view.id]);
    const purge = t.app.get(PurgeExpiredExportsJob);

    const outcome = await purge.process({ id: 'test-purge', name: PURGE_EXPORTS_JOB, queueName: 'x', data: { tenantId } } as never);

    expect(outcome).toEqual({ deleted: 1, bytes: view.sizeBytes });
    expect(await objectOf(key)).toBe('missing');
    expect((await t.owner.query('select 1 from tenant_exports where id = $1', [view.id])).rowCount).toBe(0);
  });
});

describe('an export whose object is gone', () => {
  it('answers 410 export_expired, not 500', async () => {
    const tenant = await t.makeTenant();
    const admin = await t.makeMember(tenant.id, 'admin');
    const view = await exportAndWait(admin);
    await purgeObjectOnly(`tenants/${tenant.id}/exports/${view.id}.json`);

    expectProblem(await t.inject({ method: 'GET', url: view.downloadUrl! }), 410, 'export_expired');
  });
});

describe("a tenant's erasure", () => {
  it("deletes every object under the tenant's prefix (eraseArchives), and no other tenant's", async () => {
    const [erased, kept] = [await t.makeTenant(), await t.makeTenant()];
    const erasedView = await exportAndWait(await t.makeMember(erased.id, 'admin'));
    const keptView = await exportAndWait(await t.makeMember(kept.id, 'admin'));

    await t.app
      .get(TenantContext)
      .run({ tenantId: erased.id, actor: 'system', roles: [], permissions: [...PERMISSIONS] }, () => t.app.get(TenantExportsService).eraseArchives());

    expect(await objectOf(`tenants/${erased.id}/exports/${erasedView.id}.json`)).toBe('missing');
    expect(await objectOf(`tenants/${kept.id}/exports/${keptView.id}.json`)).not.toBe('missing');
  });
});

describe('an export built before object storage (archive bytes in the row)', () => {
  it('still downloads from the row', async () => {
    const tenant = await t.makeTenant();
    const admin = await t.makeMember(tenant.id, 'admin');
    const body = JSON.stringify({ format: 'tenantry.export/v1', legacy: true });
    const { rows } = await t.owner.query<{ id: string }>(
      `insert into tenant_exports (tenant_id, status, archive, size_bytes, completed_at, expires_at)
       values ($1, 'ready', convert_to($2, 'UTF8'), octet_length($2), now(), now() + interval '1 day') returning id`,
      [tenant.id, body],
    );
    const view = (await t.inject({ method: 'GET', url: `/api/v1/tenant/exports/${rows[0]!.id}`, headers: admin.auth })).json<ExportView>();

    const res = await t.inject({ method: 'GET', url: view.downloadUrl! });

    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(body);
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(body));
  });
});

async function purgeObjectOnly(key: string): Promise<void> {
  const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  await bucket.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));
}
