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
