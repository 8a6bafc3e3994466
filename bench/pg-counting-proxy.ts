import net from 'node:net';

/**
 * What the application sent PostgreSQL, counted at the wire protocol (bench only): a TCP proxy
 * that parses the frontend messages of every connection. A round trip is a Sync ('S', the end of
 * an extended-protocol batch) or a simple Query ('Q'); a statement is an Execute ('E') or one of
 * the `;`-separated statements of a simple Query. Nothing is estimated from the application side.
 */
export interface WireCounts {
  roundTrips: number;
  statements: number;
}

export class PgCountingProxy {
  readonly counts: WireCounts = { roundTrips: 0, statements: 0 };
  /**
   * When set, the text of every Parse and Query is pushed here (to see which statements a route
   * runs), and of every Bind of a named statement parsed earlier on its connection (`B`).
   */
  trace?: string[];
  /** Named statements' texts, as parsed (names are per connection; Tenantry's are unique per text). */
  private readonly named = new Map<string, string>();
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.relay(client));
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  reset(): WireCounts {
    const taken = { ...this.counts };
    this.counts.roundTrips = 0;
    this.counts.statements = 0;
    return taken;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client).add(upstream);
    let buffered: Buffer = Buffer.alloc(0);
    let startup = true; // the first message (StartupMessage or SSLRequest) has no type byte
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      for (;;) {
        if (startup) {
          if (buffered.length < 4) break;
          const length = buffered.readInt32BE(0);
          if (buffered.length < length) break;
          // An SSLRequest (80877103) is followed by the real StartupMessage; the server answers 'N' here.
          const code = length >= 8 ? buffered.readInt32BE(4) : 0;
          buffered = buffered.subarray(length);
          if (code !== 80877103) startup = false;
          continue;
        }
        if (buffered.length < 5) break;
        const length = buffered.readInt32BE(1);
        if (buffered.length < 1 + length) break;
        const type = String.fromCharCode(buffered[0]!);
        if (type === 'P') {
          const body = buffered.subarray(5, 1 + length);
          const name = body.subarray(0, body.indexOf(0)).toString('utf8');
          const text = body.subarray(body.indexOf(0) + 1, body.indexOf(0, body.indexOf(0) + 1)).toString('utf8').replace(/\s+/g, ' ');
          if (name !== '') this.named.set(name, text);
          this.trace?.push(`P ${text.slice(0, 160)}`);
        } else if (type === 'Q' && this.trace) {
          this.trace.push(`Q ${buffered.subarray(5, length).toString('utf8').replace(/\s+/g, ' ').slice(0, 160)}`);
        } else if (type === 'B' && this.trace) {
          // Bind: portal name, then statement name (both NUL-terminated).
          const body = buffered.subarray(5, 1 + length);
          const afterPortal = body.indexOf(0) + 1;
          const statement = body.subarray(afterPortal, body.indexOf(0, afterPortal)).toString('utf8');
          const text = statement === '' ? undefined : this.named.get(statement);
          if (text !== undefined) this.trace.push(`B ${text.slice(0, 160)}`);
        }
        if (type === 'S') {
          this.counts.roundTrips++;
          this.trace?.push('-- Sync');
        }
        else if (type === 'E') this.counts.statements++;
        else if (type === 'Q') {
          this.counts.roundTrips++;
          const text = buffered.subarray(5, 1 + length - 1).toString('utf8');
          this.counts.statements += text.split(';').filter((s) => s.trim() !== '').length;
        }
        buffered = buffered.subarray(1 + length);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }
}
