import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';

const run = promisify(execFile);

/** PostgreSQL's binaries: PG_BIN_DIR, else the newest /usr/lib/postgresql/<version>/bin (Debian). */
export function postgresBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no PostgreSQL binaries found: set PG_BIN_DIR (the directory holding initdb and pg_ctl)');
  return path.join(root, versions[0]!, 'bin');
}

const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * A PostgreSQL cluster of the suite's own (initdb into a temporary directory, its own port and
 * socket directory), which the suite restarts and stops at will. As root, PostgreSQL refuses to
 * run: the cluster then belongs to the `postgres` user and its commands run through runuser.
 */
export class PrivatePostgres {
  readonly dataDir: string;
  private readonly bin = postgresBinDir();

  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.dataDir = path.join(dir, 'pgdata');
  }

  url(database: string, user = 'postgres', password?: string): string {
    const auth = password === undefined ? user : `${user}:${encodeURIComponent(password)}`;
    return `postgresql://${auth}@127.0.0.1:${this.port}/${database}`;
  }

  async init(): Promise<void> {
    if (isRoot()) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(this.dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await this.pgCommand('initdb', ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  }

  private get serverArgs(): string[] {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    return ['-D', this.dataDir, '-l', path.join(this.dir, 'postgres.log'), '-o', options];
  }

  async start(): Promise<void> {
    await this.pgCommand('pg_ctl', [...this.serverArgs, '-w', '-t', '60', 'start']);
  }

  async stop(): Promise<void> {
    await this.pgCommand('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
  }

  async restart(): Promise<void> {
    await this.pgCommand('pg_ctl', [...this.serverArgs, '-m', 'fast', '-w', '-t', '60', 'restart']);
  }

  async stopIfRunning(): Promise<void> {
    await this.pgCommand('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
  }

  async query<T extends pg.QueryResultRow>(database: string, sql: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url(database), application_name: 'fault-suite' });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<T>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** Runs a PostgreSQL command to its exit. Output is not piped: a server it starts would hold the pipe open. */
  private async pgCommand(name: string, args: string[]): Promise<void> {
    const command = path.join(this.bin, name);
    const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    const child = spawn(file, argv, { cwd: this.dir, stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`${name} ${args.at(-1)} exited with ${code} (see ${path.join(this.dir, 'postgres.log')})`);
  }
}

/** A redis-server of the suite's own, keeping nothing on disk: stopped, flushed and restarted empty at will. */
export class PrivateRedis {
  private child?: ChildProcess;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    this.child = child;
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (await this.command((r) => r.ping()).then(() => true, () => false)) return;
      await sleep(50);
    }
    throw new Error('redis-server did not answer');
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  command<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, enableOfflineQueue: false, retryStrategy: () => null });
    redis.on('error', () => undefined);
    return redis
      .connect()
      .then(() => fn(redis))
      .finally(() => redis.disconnect());
  }

  /** Every job scheduler (repeatable job) id in Redis, as `queue/id`. */
  async schedulers(prefix: string): Promise<string[]> {
    return this.command(async (redis) => {
      const keys = await redis.keys(`${prefix}:*:repeat`);
      const ids: string[] = [];
      for (const key of keys) {
        const queue = key.slice(prefix.length + 1, -':repeat'.length);
        for (const id of await redis.zrange(key, '0', '-1')) ids.push(`${queue}/${id}`);
      }
      return ids.sort();
    });
  }
}

/** A child Node process (the built API or worker), its output appended to a log file. */
export class NodeProcess {
  private child?: ChildProcess;
  exits: Array<{ code: number | null; signal: NodeJS.Signals | null }> = [];

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly logFile: string,
  ) {}

  start(env: NodeJS.ProcessEnv): void {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [this.script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.on('exit', (code, signal) => this.exits.push({ code, signal }));
    this.child = child;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get logBytes(): number {
    return existsSync(this.logFile) ? statSync(this.logFile).size : 0;
  }

  /** Sends the signal and waits for the exit (at most timeoutMs); returns the exit code or null. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<number | null> {
    const child = this.child;
    if (!child || !this.alive) return child?.exitCode ?? null;
    const exited = once(child, 'exit');
    child.kill(signal);
    const done = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!done) {
      child.kill('SIGKILL');
      await exited;
    }
    return child.exitCode;
  }
}
