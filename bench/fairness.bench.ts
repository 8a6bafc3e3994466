/**
 * npm run bench:fairness — does one tenant's flood slow the others down?
 *
 * The application as in bench:hotpath (NODE_ENV=production, a child process). Victim tenants each
 * send widget /chat at a steady, moderate rate, well within their limits; an aggressor tenant sends
 * 10 times its own limit (chat_per_10s). Open loop: requests leave on schedule whether or not
 * earlier ones were answered, so a slow server shows as latency, not as a politer client.
 *   phases of the victims alone and of the victims beside the aggressor, BENCH_FAIRNESS_ROUNDS pairs
 *   in alternating order (alone first, then beside first, ...) after a warm-up of both, so neither
 *   kind of phase gets the cold start or the machine's quiet moments to itself.
 * Printed: the victims' p99 with the aggressor / alone, and Jain's fairness index over the tenants
 * within their limits (the victims), of goodput / demand (answered 200 / sent) and of 1 / mean latency.
 * Targets (issue 13): p99 ratio <= 1.3, Jain >= 0.95. Printed, never tested.
 */
import 'reflect-metadata';
import { httpClient } from './bench-http.js';
import { BenchServer } from './bench-server.js';
import { prepareHotpath } from './hotpath-setup.js';

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 10_000);
const VICTIMS = Number(process.env.BENCH_VICTIMS ?? 3);
const VICTIM_RATE = Number(process.env.BENCH_VICTIM_RATE ?? 5); // requests per second, each
const AGGRESSOR_LIMIT = Number(process.env.BENCH_AGGRESSOR_LIMIT_PER_10S ?? 50); // its chat_per_10s
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 3710);
const ROUNDS = Number(process.env.BENCH_FAIRNESS_ROUNDS ?? 3);

interface Sample {
  ms: number;
  ok: boolean;
}

function p99(samples: Sample[]): number {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? NaN;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Jain's index: (sum x)^2 / (n * sum x^2); 1 when all equal, 1/n when one takes everything. */
const jain = (xs: number[]) => xs.reduce((a, b) => a + b, 0) ** 2 / (xs.length * xs.reduce((a, b) => a + b * b, 0));

async function main(): Promise<void> {
  const specs = [
    ...Array.from({ length: VICTIMS }, (_, i) => ({ slug: `victim-${i}`, chatPer10s: 100_000 })),
    { slug: 'aggressor', chatPer10s: AGGRESSOR_LIMIT },
  ];
  const setup = await prepareHotpath('fairness', PORT_BASE, specs);
  const server = await BenchServer.start({ ...setup.serverEnv, BENCH_PORT: String(PORT_BASE + 1) });
  try {
    const app = httpClient(PORT_BASE + 1, 256);
    const sessions = new Map<string, string>();
    for (const t of setup.tenants) {
      const s = await app('POST', '/session', { tenant_id: t.slug });
      if (s.status !== 200) throw new Error(`POST /session answered ${s.status}`);
      sessions.set(t.slug, (s.json as { session_id: string }).session_id);
    }
    const chat = async (slug: string): Promise<Sample> => {
      const t0 = performance.now();
      const r = await app('POST', '/chat', { tenant_id: slug, session_id: sessions.get(slug), message: 'hello' });
      return { ms: performance.now() - t0, ok: r.status === 200 };
    };

    /** Sends at `rate` per second for `ms`, on schedule; resolves with every answer. */
    async function openLoop(slug: string, rate: number, ms: number): Promise<Sample[]> {
      const pending: Array<Promise<Sample>> = [];
      const start = performance.now();
      for (let i = 0; ; i++) {
        const due = start + (i * 1000) / rate;
        if (due - start >= ms) break;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        pending.push(chat(slug));
      }
      return Promise.all(pending);
    }

    const victims = setup.tenants.filter((t) => t.slug.startsWith('victim-'));
    const aggressorRate = (10 * AGGRESSOR_LIMIT) / 10; // 10 x its limit, per second
    const victimsAlone = () => Promise.all(victims.map((v) => openLoop(v.slug, VICTIM_RATE, PHASE_MS)));
    const victimsBeside = async () => {
      const [aggressor, ...victimSamples] = await Promise.all([openLoop('aggressor', aggressorRate, PHASE_MS), ...victims.map((v) => openLoop(v.slug, VICTIM_RATE, PHASE_MS))]);
      return { aggressor: aggressor, victimSamples };
    };
    // Warm-up of both paths (the aggressor's refusals too), then alternating pairs of phases.
    await Promise.all([openLoop('aggressor', aggressorRate, 3000), ...victims.map((v) => openLoop(v.slug, VICTIM_RATE, 3000))]);
    const alone: Sample[][] = victims.map(() => []);
    const beside: Sample[][] = victims.map(() => []);
    const flood: Sample[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const runAlone = async () => (await victimsAlone()).forEach((samples, i) => alone[i]!.push(...samples));
      const runBeside = async () => {
        const { aggressor, victimSamples } = await victimsBeside();
        flood.push(...aggressor);
        victimSamples.forEach((samples, i) => beside[i]!.push(...samples));
      };
      if (round % 2 === 0) {
        await runAlone();
        await runBeside();
      } else {
        await runBeside();
        await runAlone();
      }
    }

    const aloneAll = alone.flat();
    const besideAll = beside.flat();
    const ratio = p99(besideAll) / p99(aloneAll);
    const goodput = beside.map((s) => s.filter((x) => x.ok).length / s.length);
    const speed = beside.map((s) => 1 / mean(s.map((x) => x.ms)));
    console.log(
      `bench:fairness  NODE_ENV=production; ${VICTIMS} victims at ${VICTIM_RATE} req/s each; aggressor at ${aggressorRate} req/s (10 x its ${AGGRESSOR_LIMIT} per 10 s); open loop; ${ROUNDS} alternating pairs of phases of ${PHASE_MS} ms`,
    );
    console.log(`victims alone:          p99 ${p99(aloneAll).toFixed(1)} ms, mean ${mean(aloneAll.map((s) => s.ms)).toFixed(1)} ms, ${aloneAll.filter((s) => !s.ok).length} not 200`);
    console.log(`victims with aggressor: p99 ${p99(besideAll).toFixed(1)} ms, mean ${mean(besideAll.map((s) => s.ms)).toFixed(1)} ms, ${besideAll.filter((s) => !s.ok).length} not 200`);
    console.log(`aggressor: ${flood.length} sent, ${flood.filter((s) => s.ok).length} answered 200, the rest refused (429); p99 ${p99(flood).toFixed(1)} ms`);
    console.log(`\n  ${ratio <= 1.3 ? 'met   ' : 'MISSED'} victim p99 with aggressor / alone   ${ratio.toFixed(2)}  (target <= 1.3)`);
    const jg = jain(goodput);
    const js = jain(speed);
    console.log(`  ${jg >= 0.95 ? 'met   ' : 'MISSED'} Jain's index, goodput / demand        ${jg.toFixed(3)}  (target >= 0.95)`);
    console.log(`  ${js >= 0.95 ? 'met   ' : 'MISSED'} Jain's index, 1 / mean latency         ${js.toFixed(3)}  (target >= 0.95)`);
  } finally {
    await server.stop();
    await setup.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
