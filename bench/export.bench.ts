/**
 * npm run bench:export — peak memory of one export of a tenant with 100,000 messages
 * (docs/adr/0014-object-storage-and-key-rotation.md).
 *
 * Seeds a scratch database through SQL (one tenant, BENCH_MESSAGES messages of about 300
 * characters over 1,000 conversations, beside a second tenant of the same size), then runs the
 * export in a fresh child process (bench/export-child.ts) and prints its RSS after boot and its
 * peak RSS. BENCH_EXPORT_BASELINE_DIST=<dir> also runs the same child from another build, e.g.
 * the commit before object storage built into /tmp (see the ADR for the commands), on the same
 * data, for the comparison. BENCH_CHILD_NODE_ARGS passes flags to the child: `--expose-gc` adds
 * what the export left reachable after a full GC (retainedMb), `--max-old-space-size=N` shows
 * which code can export within a heap of N MB at all.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { prepareBenchDatabase } from './bench-database.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const run = promisify(execFile);

async function seed(ownerUrl: string): Promise<string> {
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    const ids: string[] = [];
    for (const slug of ['bench-export', 'bench-neighbour']) {
      const { rows } = await owner.query<{ id: string }>(`insert into tenants (slug, name) values ($1, $1) returning id`, [slug]);
      const tenantId = rows[0]!.id;
      ids.push(tenantId);
      await owner.query(
        `insert into conversations (tenant_id, channel) select $1, 'api' from generate_series(1, 1000)`,
        [tenantId],
      );
      await owner.query(
        `insert into messages (tenant_id, conversation_id, role, content, prompt_tokens, completion_tokens)
         select $1, c.id, case when n % 2 = 0 then 'user' else 'assistant' end,
                'message ' || n || ': ' || repeat(md5(n::text), 9), 40, 60
         from (select id, row_number() over (order by id) as i from conversations where tenant_id = $1) c,
              generate_series(1, ($2::int / 1000)) n`,
        [tenantId, MESSAGES],
      );
    }
    await owner.query('analyze');
    return ids[0]!;
  } finally {
    await owner.end();
  }
}

async function measure(label: string, dist: string, env: NodeJS.ProcessEnv): Promise<void> {
  const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  try {
    const { stdout } = await run(process.execPath, [...nodeArgs, path.join(dist, 'bench/export-child.js')], {
      env: { ...process.env, ...env },
      cwd: path.resolve(dist, '..'),
      maxBuffer: 16 * 1024 * 1024,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    console.log(`${label.padEnd(44)} ${JSON.stringify(result)}`);
  } catch (error) {
    // E.g. a heap limit (BENCH_CHILD_NODE_ARGS=--max-old-space-size=N) that the export cannot live within.
    const stderr = String((error as { stderr?: unknown }).stderr ?? error);
    const reason = /heap out of memory/i.test(stderr) ? 'JavaScript heap out of memory' : stderr.trim().split('\n').slice(-3).join(' | ');
    console.log(`${label.padEnd(44)} failed: ${reason}`);
  }
}

async function main(): Promise<void> {
  const database = await prepareBenchDatabase('export');
  const storageDir = await mkdtemp(path.join(tmpdir(), 'tenantry-bench-storage-'));
  try {
    const tenantId = await seed(database.env.DATABASE_URL as string);
    console.log(`tenant ${tenantId}: ${MESSAGES} messages (and a neighbour tenant of the same size)`);
    const env = { ...database.env, BENCH_TENANT_ID: tenantId, STORAGE_DIR: storageDir, QUEUE_PREFIX: `bench-export-${process.pid}` };
    const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    const baseline = process.env.BENCH_EXPORT_BASELINE_DIST;
    if (baseline) await measure('before (in memory, bytea)', path.resolve(baseline), env);
    await measure('after (streamed to local object storage)', here, env);
    if (baseline) await measure('before (in memory, bytea), again', path.resolve(baseline), env);
    await measure('after, again', here, env);
  } finally {
    await rm(storageDir, { recursive: true, force: true });
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
