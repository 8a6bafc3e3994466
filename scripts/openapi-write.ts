/**
 * `npm run openapi:write [-- FILE]`: writes the API's OpenAPI document (default docs/openapi.json),
 * the contract that the web app's typed client is generated from. CI writes it again and fails
 * when the committed copy differs (`npm run openapi:check` validates it too). It refuses an operation
 * without a summary or a success response. It boots the Nest application without listening; the values
 * below only satisfy configuration validation (nothing is served or stored).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createApp } from '../src/bootstrap.js';
import { loadConfig } from '../src/platform/config/config.js';
import { buildOpenApiDocument } from '../src/platform/http/openapi.js';

const DOCUMENT_ENV: NodeJS.ProcessEnv = {
  NODE_ENV: 'test',
  MAIL_TRANSPORT: 'log',
  LOG_LEVEL: 'silent',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/tenantry_openapi',
  APP_DATABASE_URL: 'postgresql://tenantry_app:unused@127.0.0.1:5432/tenantry_openapi',
  PLATFORM_DATABASE_URL: 'postgresql://tenantry_platform:unused@127.0.0.1:5432/tenantry_openapi',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_SECRET: 'openapi-document-only-not-a-real-secret-0123456789',
  CHAT_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  APP_BASE_URL: 'https://tenantry.example',
  WORKER_ENABLED: 'false',
};

async function main(): Promise<void> {
  const target = path.resolve(process.argv[2] ?? 'docs/openapi.json');
  const app = await createApp(loadConfig(DOCUMENT_ENV));
  try {
    const document = buildOpenApiDocument(app, { strict: true });
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`openapi: ${Object.keys(document.paths).length} paths written to ${path.relative(process.cwd(), target)}`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
