import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { importTenantsFile } from '../../scripts/tenants-import.js';
import { TenantsFileError } from '../../src/modules/chat/widget/tenants-jsonl.js';
import { type AppConfig, loadConfig } from '../../src/platform/config/config.js';
import { createTestDatabase, type TestDatabase, testEnv } from '../support/database.js';

/**
 * `npm run tenants:import -- FILE` (and `npm run db:seed`, which imports the seed file with the
 * same code): upserts by slug, all or nothing, safe to re-run. Checked in the tables themselves,
 * through the owner connection.
 */

const SEED_FILE = path.resolve('prisma/seed/tenants.jsonl');

let database: TestDatabase;
let config: AppConfig;
let owner: pg.Pool;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  config = loadConfig(testEnv(database));
  owner = new pg.Pool({ connectionString: database.ownerUrl, max: 2 });
  owner.on('error', () => undefined);
  dir = mkdtempSync(path.join(tmpdir(), 'tenants-import-'));
});
afterAll(async () => {
  await owner?.end();
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let files = 0;
function file(lines: Array<Record<string, unknown> | string>): string {
  const name = path.join(dir, `tenants-${++files}.jsonl`);
  writeFileSync(name, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
  return name;
}

const tenantLine = (slug: string, fields: Record<string, unknown> = {}) => ({
  id: slug,
  name: `Name of ${slug}`,
  welcome: `Hi from ${slug}`,
  model: 'mock-2',
  limits: { chat_per_10s: 5 },
  ...fields,
});

/** Everything the import writes for these slugs, as stored. */
async function stored(slugs: string[]) {
  const { rows } = await owner.query(
    `select t.id, t.slug, t.name, t.limit_overrides, s.display_name,
            a.provider, a.model, a.welcome_message, a.widget_enabled, a.temperature::text as temperature
       from tenants t
       left join tenant_settings s on s.tenant_id = t.id
       left join assistant_configs a on a.tenant_id = t.id
      where t.slug = any($1) order by t.slug`,
    [slugs],
  );
  return rows;
}

const tenantCount = async () => Number((await owner.query('select count(*) from tenants')).rows[0].count);

describe('importing the seed demo file', () => {
  it('creates acme, globex and initech with their name, welcome, model, limits and the widget enabled', async () => {
    const imported = await importTenantsFile(SEED_FILE, config);

    expect(imported.map(({ slug, created }) => ({ slug, created }))).toEqual([
      { slug: 'acme', created: true },
      { slug: 'globex', created: true },
      { slug: 'initech', created: true },
    ]);
    const common = { provider: 'builtin', widget_enabled: true, temperature: '0.70' };
    expect(await stored(['acme', 'globex', 'initech'])).toEqual([
      { id: imported[0]!.id, slug: 'acme', name: 'Acme Corp', display_name: 'Acme Corp', limit_overrides: { chat_per_10s: 8 }, model: 'mock-1', welcome_message: 'Howdy from Acme!', ...common },
      { id: imported[1]!.id, slug: 'globex', name: 'Globex Inc.', display_name: 'Globex Inc.', limit_overrides: { chat_per_10s: 4 }, model: 'mock-2', welcome_message: 'Welcome from Globex.', ...common },
      { id: imported[2]!.id, slug: 'initech', name: 'Initech', display_name: 'Initech', limit_overrides: { chat_per_10s: 6 }, model: 'mock-3', welcome_message: 'Initech says hi.', ...common },
    ]);
  });

  it('is safe to re-run: same tenants, same rows, nothing created', async () => {
    const before = await stored(['acme', 'globex', 'initech']);
    const count = await tenantCount();

    const again = await importTenantsFile(SEED_FILE, config);

    expect(again.every((t) => !t.created)).toBe(true);
    expect(await stored(['acme', 'globex', 'initech'])).toEqual(before);
    expect(await tenantCount()).toBe(count);
  });
});

describe('upserting by slug', () => {
  it('updates an existing tenant in place: name, welcome and model replaced, limits merged, other settings kept', async () => {
    const { rows } = await owner.query(
      `insert into tenants (slug, name, limit_overrides) values ('hooli', 'Old name', '{"seats": 3, "chat_per_10s": 1}') returning id`,
    );
    const id = rows[0].id as string;
    await owner.query(`insert into tenant_settings (tenant_id, display_name, locale) values ($1, 'Old name', 'fr')`, [id]);
    await owner.query(
      `insert into assistant_configs (tenant_id, model, welcome_message, widget_enabled, temperature) values ($1, 'mock-1', 'Old hello', false, 0.3)`,
      [id],
    );

    const [imported] = await importTenantsFile(file([tenantLine('hooli', { name: 'Hooli', welcome: 'Hooli says hi', limits: { chat_per_10s: 9 } })]), config);

    expect(imported).toEqual({ slug: 'hooli', id, created: false });
    expect(await stored(['hooli'])).toEqual([
      {
        id,
        slug: 'hooli',
        name: 'Hooli',
        display_name: 'Hooli',
        limit_overrides: { seats: 3, chat_per_10s: 9 },
        provider: 'builtin',
        model: 'mock-2',
        welcome_message: 'Hooli says hi',
        widget_enabled: true,
        temperature: '0.30',
      },
    ]);
    expect((await owner.query('select locale from tenant_settings where tenant_id = $1', [id])).rows).toEqual([{ locale: 'fr' }]);
  });
});

describe('bad input writes nothing', () => {
  it('a malformed file is refused as a whole, naming each bad line and field; not even its valid lines are imported', async () => {
    const count = await tenantCount();
    const bad = file([tenantLine('vandelay'), tenantLine('kramerica', { welcome: '' }), '{"id": "pendant"', tenantLine('vandelay')]);

    const error = await importTenantsFile(bad, config).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TenantsFileError);
    expect((error as TenantsFileError).problems).toEqual([
      { line: 2, field: 'welcome', message: expect.any(String) },
      { line: 3, field: '(line)', message: expect.stringMatching(/^not valid JSON/) },
      { line: 4, field: 'id', message: "duplicate slug 'vandelay' (first on line 1)" },
    ]);
    expect((error as Error).message).toContain(`${bad}:2: welcome:`);
    expect(await tenantCount()).toBe(count);
    expect(await stored(['vandelay', 'kramerica'])).toEqual([]);
  });

  it('a failure half-way through the writes rolls back the tenants written before it (one transaction)', async () => {
    await owner.query(`insert into tenants (slug, name, status, deleted_at) values ('gone', 'Gone Ltd', 'deleted', now())`);
    const count = await tenantCount();

    await expect(importTenantsFile(file([tenantLine('fresh'), tenantLine('gone')]), config)).rejects.toThrow(
      "line 2: tenant 'gone' is deleted; refusing to revive it by import",
    );

    expect(await tenantCount()).toBe(count);
    expect(await stored(['fresh'])).toEqual([]);
    expect((await owner.query(`select name from tenants where slug = 'gone'`)).rows).toEqual([{ name: 'Gone Ltd' }]);
  });
});
