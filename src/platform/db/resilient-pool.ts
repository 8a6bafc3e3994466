import pg from 'pg';
import { isConnectionLevelError } from './connection-errors.js';

/** pg's internals this file reads (stable for years, but private). */
interface ClientInternals {
  _queryable?: boolean;
  _ending?: boolean;
  connection?: { on(event: 'errorMessage' | 'end', listener: (msg?: unknown) => void): unknown };
}

/**
 * A pg client that can never crash the process and knows when it is broken.
 *
 * pg-pool listens for 'error' only while a client is idle; a checked-out client whose socket dies
 * (PostgreSQL restarted, the backend terminated) emits 'error' with nobody listening, and Node
 * kills the process. This client listens for its whole life and remembers the first
 * connection-level fault (the error event, a FATAL from the server, the socket's end), so that
 * ResilientPool destroys it on release instead of handing it to the next request.
 */
export class ResilientClient extends pg.Client {
  brokenBy?: Error;

  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', (error: Error) => this.markBroken(error));
    const connection = (this as unknown as ClientInternals).connection;
    connection?.on('errorMessage', (msg) => {
      if (isConnectionLevelError(msg)) this.markBroken(msg as Error);
    });
    connection?.on('end', () => this.markBroken(new Error('Connection ended')));
  }

  /** Whether this client must not be reused. */
  get isBroken(): boolean {
    const internals = this as unknown as ClientInternals;
    return this.brokenBy !== undefined || internals._queryable === false || internals._ending === true;
  }

  private markBroken(error: Error): void {
    this.brokenBy ??= error;
  }
}

type Release = (err?: Error | boolean) => void;
type ConnectCallback = (err: Error | undefined, client: pg.PoolClient | undefined, done: Release) => void;

/**
 * A pg pool of ResilientClients whose `release()` destroys a broken client even when the caller
 * releases it as healthy (Prisma's adapter does, after a failed transaction). With an 'error'
 * listener on the pool itself (attachPoolErrorLogger), no connection error can reach the process.
 */
export class ResilientPool extends pg.Pool {
  constructor(config: pg.PoolConfig & { Client?: typeof ResilientClient }) {
    super({ Client: ResilientClient, ...config });
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override connect(callback?: ConnectCallback): any {
    if (!callback) return super.connect().then(guardRelease);
    super.connect((err, client, done) => {
      if (err || !client) return callback(err, client, done);
      const guarded = guardRelease(client);
      callback(undefined, guarded, guarded.release);
    });
  }
}

/** Wraps this checkout's release: a broken client leaves the pool (destroyed) whatever the caller says. */
function guardRelease(client: pg.PoolClient): pg.PoolClient {
  const release: Release = client.release.bind(client);
  client.release = ((err?: Error | boolean) => {
    const broken = client instanceof ResilientClient && client.isBroken;
    release(err || (broken ? ((client as ResilientClient).brokenBy ?? true) : undefined));
  });
  return client;
}
