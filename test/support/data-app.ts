import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { type DynamicModule, type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type AppConfig, loadConfig } from '../../src/platform/config/config.js';
import { ConfigModule } from '../../src/platform/config/config.module.js';
import { ContextModule } from '../../src/platform/context/context.module.js';
import { TenantContext } from '../../src/platform/context/tenant-context.js';
import { DbModule } from '../../src/platform/db/db.module.js';
import { PlatformDb } from '../../src/platform/db/platform-db.js';
import { PlatformDbModule } from '../../src/platform/db/platform-db.module.js';
import { TenantDb } from '../../src/platform/db/tenant-db.js';
import { createTestDatabase, type TestDatabase, testEnv } from './database.js';

/**
 * The data layer alone (config, context, tenant db, platform db) on a fresh copy of the test
 * database: what database-level specs need, without HTTP, Redis or product modules.
 */
@Module({})
export class TestDataModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: TestDataModule, imports: [ConfigModule.forRoot(config), ContextModule, DbModule, PlatformDbModule] };
  }
}

export interface DataApp {
  app: INestApplicationContext;
  config: AppConfig;
  /** Tenant-facing role: RLS applies. */
  db: TenantDb;
  ctx: TenantContext;
  /** Platform role (BYPASSRLS): arrange data and check what really is in the tables. */
  platform: PlatformDb;
  database: TestDatabase;
  /** Closes the application (its pools included), then drops the database. */
  close(): Promise<void>;
}

export interface DataAppOptions {
  /** Environment overrides, e.g. `{ DB_POOL_MAX: '2' }`. */
  env?: NodeJS.ProcessEnv;
}

/** A fresh database and a started data-layer application on it (the RLS self-check included). */
export async function createDataApp(options: DataAppOptions = {}): Promise<DataApp> {
  const database = await createTestDatabase();
  try {
    const config = loadConfig(testEnv(database, options.env));
    const app = await NestFactory.createApplicationContext(TestDataModule.forRoot(config), { logger: false });
    try {
      await app.init();
    } catch (error) {
      await app.close();
      throw error;
    }
    return {
      app,
      config,
      db: app.get(TenantDb),
      ctx: app.get(TenantContext),
      platform: app.get(PlatformDb),
      database,
      close: async () => {
        try {
          await app.close();
        } finally {
          await database.drop();
        }
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

export interface TenantSettingsOverrides {
  displayName?: string;
  locale?: string;
  timezone?: string;
  supportEmail?: string | null;
}

export interface TenantOverrides {
  slug?: string;
  name?: string;
  status?: 'active' | 'suspended' | 'deleted';
  /** Settings to create with the tenant (defaults filled in), or `false` for a tenant without any. */
  settings?: TenantSettingsOverrides | false;
}

/** A slug no other test uses, valid for the tenants_slug_format constraint. */
export function uniqueSlug(prefix = 't'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Creates a tenant (and, unless told otherwise, its settings) through the platform role; returns its id. */
export async function makeTenant(platform: PlatformDb, overrides: TenantOverrides = {}): Promise<string> {
  const slug = overrides.slug ?? uniqueSlug();
  const name = overrides.name ?? `Tenant ${slug}`;
  const settings = overrides.settings === false ? undefined : { displayName: name, ...overrides.settings };
  const tenant = await platform.client.tenant.create({
    data: { slug, name, status: overrides.status, settings: settings && { create: settings } },
    select: { id: true },
  });
  return tenant.id;
}

/** `makeTenant` n times, one after the other. */
export async function makeTenants(platform: PlatformDb, n: number, overrides: TenantOverrides = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await makeTenant(platform, { ...overrides, slug: undefined }));
  return ids;
}
