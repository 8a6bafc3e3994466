/**
 * The smallest environment `loadConfig` accepts, for unit tests that build an AppConfig without
 * reaching any service (the URLs name hosts that are never contacted).
 */
export const UNIT_CONFIG_ENV = {
  DATABASE_URL: 'postgresql://owner@db.internal:5432/tenantry',
  APP_DATABASE_URL: 'postgresql://app:pw@db.internal:5432/tenantry',
  PLATFORM_DATABASE_URL: 'postgresql://platform:pw@db.internal:5432/tenantry',
  REDIS_URL: 'redis://cache.internal:6379',
  JWT_SECRET: 'jwt-secret-0123456789abcdef0123456789abcdef',
  CHAT_ENCRYPTION_KEY: Buffer.from('chat-key-0123456789abcdef0123456').toString('base64'),
};
