import { setTimeout as sleep } from 'node:timers/promises';

/** A signed-in member of one tenant, for the load. */
export interface Member {
  tenantId: string;
  accessToken: string;
}

/** What the load saw: answers by status (and problem code), and the ids of acknowledged writes. */
export interface LoadReport {
  requests: number;
  byOutcome: Map<string, number>;
  /** 500s, and 503s that were not problem+json with a code and a request id: each one is a failure. */
  violations: string[];
  /** Ids of conversations the API acknowledged (201): each must be in the database. */
  acknowledged: string[];
}

export const emptyReport = (): LoadReport => ({ requests: 0, byOutcome: new Map(), violations: [], acknowledged: [] });

const count = (report: LoadReport, outcome: string): void => {
  report.byOutcome.set(outcome, (report.byOutcome.get(outcome) ?? 0) + 1);
};

/**
 * One request, classified. 2xx and 4xx count as served; 503 must be problem+json with a stable
 * code and a request id; anything 5xx else is a violation. A refused or reset connection (the
 * API restarting, or stopped on purpose) is counted as such, not a violation: nothing was acknowledged.
 */
export async function request(base: string, report: LoadReport, method: string, path: string, token?: string, body?: unknown): Promise<Response | undefined> {
  report.requests++;
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    count(report, `network:${cause}`);
    return undefined;
  }
  if (res.status >= 500) {
    const type = res.headers.get('content-type') ?? '';
    const text = await res.text();
    let code = 'unparsable';
    let requestId: unknown;
    try {
      ({ code, requestId } = JSON.parse(text) as { code: string; requestId?: string });
    } catch {
      // not JSON: reported below
    }
    count(report, `${res.status}:${code}`);
    const problem = type.startsWith('application/problem+json') && typeof requestId === 'string';
    if (res.status !== 503 || !problem || !res.headers.get('retry-after')) {
      if (report.violations.length < 20) report.violations.push(`${method} ${path} -> ${res.status} ${type} ${text.slice(0, 200)}`);
      else report.violations.push('...');
    }
    return undefined;
  }
  count(report, String(res.status));
  return res;
}

/**
 * A bounded load: `clients` loops, each alternating a write (POST /conversations, its id kept once
 * acknowledged) and a read, as one of the members, until `stop` is set or `maxMs` passed.
 */
export class Load {
  readonly report = emptyReport();
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    private readonly base: string,
    private readonly members: Member[],
    private readonly clients: number,
    private readonly maxMs = 120_000,
  ) {}

  start(): this {
    const deadline = Date.now() + this.maxMs;
    this.running = Promise.all(
      Array.from({ length: this.clients }, async (_, n) => {
        const member = this.members[n % this.members.length]!;
        for (let i = 0; !this.stopped && Date.now() < deadline; i++) {
          if (i % 2 === 0) {
            const res = await request(this.base, this.report, 'POST', '/api/v1/conversations', member.accessToken);
            if (res?.status === 201) this.report.acknowledged.push(((await res.json()) as { id: string }).id);
            else if (res) await res.arrayBuffer();
            else await sleep(50); // refused or unavailable: back off a little, as a client would
          } else {
            const res = await request(this.base, this.report, 'GET', '/api/v1/conversations?limit=5', member.accessToken);
            if (res) await res.arrayBuffer();
            else await sleep(50);
          }
        }
      }),
    ).then(() => undefined);
    return this;
  }

  async stop(): Promise<LoadReport> {
    this.stopped = true;
    await this.running;
    return this.report;
  }
}
