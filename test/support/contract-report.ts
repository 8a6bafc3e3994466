import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from 'jest';

/**
 * Jest globalTeardown: prints which operations of docs/openapi.json the test files of this run
 * called (any status), and lists those they did not; writes the same to var/contract-coverage.md.
 * The README's list of operations the suite does not cover comes from a full run of this.
 * (Self-contained: global hooks run outside the ESM test environment; paths as in contract.ts.)
 */
export default function reportContractCoverage(_global: unknown, project?: Config): void {
  const root = project?.rootDir ?? process.cwd();
  const dir = path.join(root, 'var', 'contract-coverage');
  if (!existsSync(dir)) return;
  const lines = readdirSync(dir).flatMap((file) => readFileSync(path.join(dir, file), 'utf8').split('\n').filter(Boolean));
  rmSync(dir, { recursive: true, force: true });
  const statuses = new Map<string, Set<string>>();
  for (const line of lines) {
    const cut = line.lastIndexOf(' ');
    const operation = line.slice(0, cut);
    statuses.set(operation, (statuses.get(operation) ?? new Set()).add(line.slice(cut + 1)));
  }
  const document = JSON.parse(readFileSync(path.join(root, 'docs', 'openapi.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const all = Object.entries(document.paths).flatMap(([p, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${p}`));
  const uncovered = all.filter((op) => !statuses.has(op));
  const responses = [...statuses.values()].reduce((n, s) => n + s.size, 0);
  const report = [
    `contract: ${all.length - uncovered.length} of ${all.length} operations checked against docs/openapi.json (${responses} operation × status pairs)`,
    ...(uncovered.length > 0 ? [`not called by these tests (${uncovered.length}):`, ...uncovered.map((op) => `- \`${op}\``)] : []),
  ].join('\n');
  writeFileSync(path.join(root, 'var', 'contract-coverage.md'), `${report}\n`);
  console.log(`\n${report}`);
}
