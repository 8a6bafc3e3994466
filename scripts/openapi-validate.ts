/**
 * `node dist/scripts/openapi-validate.js [FILE]` (part of `npm run openapi:check`): validates the
 * OpenAPI document (default docs/openapi.json) against the OpenAPI 3.1 schema with swagger-parser,
 * resolving every $ref; exits 1 with the reasons when it is invalid.
 */
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';

async function main(): Promise<void> {
  const file = path.resolve(process.argv[2] ?? 'docs/openapi.json');
  const api = await SwaggerParser.validate(file);
  const operations = Object.values(api.paths ?? {}).reduce((n, item) => n + Object.keys(item ?? {}).filter((k) => k !== 'parameters').length, 0);
  console.log(`swagger-parser: ${path.relative(process.cwd(), file)} is valid (${operations} operations)`);
}

main().catch((error: unknown) => {
  console.error(`swagger-parser: invalid: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
