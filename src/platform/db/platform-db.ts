import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client.js';
import { AppConfig } from '../config/config.js';
import { attachPoolErrorLogger } from './pool-errors.js';
import { observePool } from './pool-metrics.js';
import { ResilientPool } from './resilient-pool.js';

/**
 * Cross-tenant access through the platform role (BYPASSRLS). Only platform administration and
 * analytics may use it: it is provided by PlatformDbModule alone, and test/architecture checks
 * that no tenant-facing module imports it.
 */
@Injectable()
export class PlatformDb implements OnModuleDestroy {
  readonly pool: ResilientPool;
  readonly client: PrismaClient;

  constructor(config: AppConfig) {
    this.pool = new ResilientPool({
      connectionString: config.env.PLATFORM_DATABASE_URL,
      max: Math.max(2, Math.ceil(config.env.DB_POOL_MAX / 4)),
      statement_timeout: config.env.DB_STATEMENT_TIMEOUT_MS || undefined,
      connectionTimeoutMillis: config.env.DB_POOL_TIMEOUT_MS,
      application_name: 'tenantry-platform',
    });
    attachPoolErrorLogger(this.pool, 'platform');
    observePool('platform', this.pool);
    this.client = new PrismaClient({ adapter: new PrismaPg(this.pool) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.$disconnect();
    await this.pool.end();
  }
}
