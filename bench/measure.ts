/** Side-by-side throughput measurement: variants alternate in rounds so machine noise hits all alike. */
export interface Variant {
  name: string;
  op: () => Promise<unknown>;
}

export interface Result {
  name: string;
  ops: number;
  seconds: number;
  opsPerSec: number;
}

async function runFor(op: () => Promise<unknown>, ms: number, concurrency: number): Promise<{ ops: number; seconds: number }> {
  const deadline = performance.now() + ms;
  let ops = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await op();
        ops++;
      }
    }),
  );
  return { ops, seconds: (performance.now() - started) / 1000 };
}

export async function compare(variants: Variant[], opts: { rounds: number; roundMs: number; concurrency: number; warmupMs: number }): Promise<Result[]> {
  for (const v of variants) await runFor(v.op, opts.warmupMs, opts.concurrency);
  const totals = new Map(variants.map((v) => [v.name, { ops: 0, seconds: 0 }]));
  for (let round = 0; round < opts.rounds; round++) {
    // Alternate the order each round so neither variant always runs first.
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const r = await runFor(v.op, opts.roundMs, opts.concurrency);
      const t = totals.get(v.name)!;
      t.ops += r.ops;
      t.seconds += r.seconds;
    }
  }
  return variants.map((v) => {
    const t = totals.get(v.name)!;
    return { name: v.name, ops: t.ops, seconds: t.seconds, opsPerSec: t.ops / t.seconds };
  });
}

export function printTable(results: Result[], baseline: string): void {
  const base = results.find((r) => r.name === baseline)!;
  console.log(`${'variant'.padEnd(58)} ${'ops/s'.padStart(9)} ${'ratio'.padStart(7)}`);
  for (const r of results) {
    console.log(`${r.name.padEnd(58)} ${r.opsPerSec.toFixed(0).padStart(9)} ${(r.opsPerSec / base.opsPerSec).toFixed(2).padStart(7)}`);
  }
}

/** What a server benchmark accumulates per variant: at least the rounds' wall and CPU time. */
export interface RoundMeter {
  wallMs: number;
  /** CPU time of the whole process (user + system) during the rounds (server and load generator share it). */
  cpuMs: number;
}

export interface RoundOptions {
  concurrency: number;
  /** A round stops after this long, or once `maxOps` operations started, whichever comes first. */
  ms: number;
  maxOps: number;
}

/**
 * One round of one variant: `concurrency` workers calling `op` until the deadline or the budget;
 * adds the round's wall and CPU time to `meter`. `around` is told which meter is being measured
 * (then undefined again), for timers that run inside the server (e.g. Fastify hooks).
 */
export async function runRound<M extends RoundMeter>(op: (worker: number) => Promise<void>, opts: RoundOptions, meter: M, around?: (meter: M | undefined) => void): Promise<void> {
  const deadline = performance.now() + opts.ms;
  let started = 0;
  const begin = performance.now();
  const cpu = process.cpuUsage();
  around?.(meter);
  await Promise.all(
    Array.from({ length: opts.concurrency }, async (_, worker) => {
      while (performance.now() < deadline && started < opts.maxOps) {
        started++;
        await op(worker);
      }
    }),
  );
  around?.(undefined);
  const used = process.cpuUsage(cpu);
  meter.cpuMs += (used.user + used.system) / 1000;
  meter.wallMs += performance.now() - begin;
}

/**
 * A warm-up round per variant, then `rounds` rounds each, alternating which goes first; one meter
 * per variant. Warm-ups record into `opts.warmup` when given (to check them too), else nowhere.
 */
export async function alternateRounds<M extends RoundMeter>(
  variants: ReadonlyArray<{ name: string; op: (meter: M, worker: number) => Promise<void> }>,
  opts: RoundOptions & { rounds: number; warmupMs: number; warmup?: M },
  newMeter: () => M,
  around?: (meter: M | undefined) => void,
): Promise<Map<string, M>> {
  for (const v of variants) {
    const warmup = opts.warmup ?? newMeter();
    await runRound((worker) => v.op(warmup, worker), { ...opts, ms: opts.warmupMs }, warmup, around);
  }
  const meters = new Map(variants.map((v) => [v.name, newMeter()]));
  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const meter = meters.get(v.name)!;
      await runRound((worker) => v.op(meter, worker), opts, meter, around);
    }
  }
  return meters;
}

/** Adds each request's server time (Fastify onRequest → onResponse, ms) to `record`, while it returns a meter. */
export function timeServerRequests(fastify: { addHook: (...args: never[]) => unknown }, record: (ms: number) => void): void {
  const arrived = new WeakMap<object, number>();
  const hook = fastify.addHook as unknown as (name: string, fn: (request: object) => Promise<void>) => unknown;
  hook.call(fastify, 'onRequest', async (request) => {
    arrived.set(request, performance.now());
  });
  hook.call(fastify, 'onResponse', async (request) => {
    const t0 = arrived.get(request);
    if (t0 !== undefined) record(performance.now() - t0);
  });
}
