/**
 * npm run bench:http — NestJS on Fastify against NestJS on Express (docs/adr/0001-nestjs-on-fastify.md).
 *
 * Boots, in this process, two minimal Nest apps with the same controller (a JSON GET and a JSON POST
 * taking a ~1 KB body), one per HTTP adapter, plus a bare node:http server doing the same work as
 * the ceiling. A worker thread drives them over loopback keep-alive connections with a lean raw-socket
 * client (one request in flight per connection), so the client costs little and runs on its own core.
 * Variants alternate in rounds so machine noise hits all alike. Every round is bounded in time and
 * in request count. Knobs: BENCH_ROUNDS, BENCH_ROUND_MS, BENCH_WARMUP_MS, BENCH_CONNECTIONS.
 */
import 'reflect-metadata';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createHistogram } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { Body, Controller, Get, Module, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 3000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Upper bound on requests per round, whatever the duration. */
const MAX_REQUESTS_PER_ROUND = 2_000_000;

// ---------------------------------------------------------------------------------------------
// The work every server does: list a few items; accept an order and summarise it.

interface OrderLine {
  sku: string;
  description: string;
  quantity: number;
  unitPriceCents: number;
}

interface Order {
  tenantId: string;
  reference: string;
  lines: OrderLine[];
}

const ITEMS = Array.from({ length: 5 }, (_, i) => ({
  id: `0b8e6f1c-2d3a-4b5c-8d9e-0f1a2b3c4d5${i}`,
  name: `Item ${i + 1}`,
  priceCents: 1999 + i * 100,
  tags: ['demo', 'bench'],
}));

const ORDER: Order = {
  tenantId: '6f1d2c3b-4a59-4e8f-9a7b-1c2d3e4f5a6b',
  reference: 'bench-order-0001',
  lines: Array.from({ length: 8 }, (_, i) => ({
    sku: `SKU-${String(1000 + i)}`,
    description: 'A line item with a description long enough to be realistic',
    quantity: i + 1,
    unitPriceCents: 1250 + i * 10,
  })),
};

function summarise(order: Order): { reference: string; lines: number; totalCents: number } {
  const totalCents = order.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  return { reference: order.reference, lines: order.lines.length, totalCents };
}

@Controller('items')
class ItemsController {
  @Get()
  list(): typeof ITEMS {
    return ITEMS;
  }

  @Post()
  create(@Body() order: Order): ReturnType<typeof summarise> {
    return summarise(order);
  }
}

@Module({ controllers: [ItemsController] })
class BenchHttpModule {}

// ---------------------------------------------------------------------------------------------
// Load generator (worker thread): raw keep-alive sockets, one request in flight per connection.

interface LoadJob {
  port: number;
  request: string;
  connections: number;
  durationMs: number;
  maxRequests: number;
}

interface LoadResult {
  ok: number;
  errors: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

/** Reads one HTTP/1.1 response at a time; both adapters answer JSON with a content-length. */
class ResponseReader {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting?: { resolve: (status: number) => void; reject: (error: Error) => void };
  private failure?: Error;

  constructor(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  next(): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.waiting = { resolve, reject };
      this.drain();
    });
  }

  private drain(): void {
    if (!this.waiting) return;
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.fail(new Error('response without content-length'));
    const end = headEnd + 4 + Number(length[1]);
    if (this.buffer.length < end) return;
    this.buffer = this.buffer.subarray(end);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve(Number(head.slice(9, 12)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}

async function drive(job: LoadJob): Promise<LoadResult> {
  const payload = Buffer.from(job.request, 'latin1');
  const latency = createHistogram();
  let issued = 0;
  let ok = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + job.durationMs;

  const connection = async (): Promise<void> => {
    const socket = net.connect({ host: '127.0.0.1', port: job.port, noDelay: true });
    const reader = new ResponseReader(socket);
    try {
      await once(socket, 'connect');
      while (performance.now() < deadline && issued < job.maxRequests) {
        issued++;
        const t0 = process.hrtime.bigint();
        socket.write(payload);
        const status = await reader.next();
        latency.record(Math.max(1, Number(process.hrtime.bigint() - t0)));
        if (status >= 200 && status < 300) ok++;
        else errors++;
      }
    } catch {
      errors++;
    } finally {
      socket.destroy();
    }
  };

  await Promise.all(Array.from({ length: job.connections }, connection));
  const seconds = (performance.now() - started) / 1000;
  const ms = (ns: number): number => ns / 1e6;
  return { ok, errors, seconds, p50Ms: ms(latency.percentile(50)), p99Ms: ms(latency.percentile(99)) };
}

function runWorker(): void {
  parentPort!.on('message', (job: LoadJob) => {
    drive(job).then(
      (result) => parentPort!.postMessage(result),
      (error: unknown) => parentPort!.postMessage({ error: String(error) }),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Servers (main thread) and the comparison.

interface Target {
  name: string;
  port: number;
  close: () => Promise<void>;
}

async function nestTarget(name: string, create: () => Promise<INestApplication>): Promise<Target> {
  const app = await create();
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { name, port, close: () => app.close() };
}

/** The same two routes without any framework: the ceiling this client can measure. */
async function bareTarget(): Promise<Target> {
  const send = (res: ServerResponse, status: number, value: unknown): void => {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const server: Server = createServer((req, res) => {
    if (req.url !== '/items') return send(res, 404, { error: 'not found' });
    if (req.method === 'GET') return send(res, 200, ITEMS);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => send(res, 201, summarise(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Order)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return { name: 'node:http, no framework (ceiling)', port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Each target must answer both routes identically before it is measured. */
async function verify(target: Target, orderJson: string): Promise<void> {
  const base = `http://127.0.0.1:${target.port}/items`;
  const get = await fetch(base);
  const post = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: orderJson });
  const same = JSON.stringify(await get.json()) === JSON.stringify(ITEMS) && JSON.stringify(await post.json()) === JSON.stringify(summarise(ORDER));
  if (get.status !== 200 || post.status !== 201 || !same) {
    throw new Error(`${target.name} does not answer as expected (GET ${get.status}, POST ${post.status})`);
  }
}

interface Scenario {
  name: string;
  request: string;
}

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const orderJson = JSON.stringify(ORDER);
  const scenarios: Scenario[] = [
    { name: 'GET /items (JSON list)', request: 'GET /items HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n' },
    {
      name: `POST /items (${Buffer.byteLength(orderJson)} B JSON body)`,
      request:
        'POST /items HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(orderJson)}\r\n\r\n${orderJson}`,
    },
  ];

  const targets = [
    await nestTarget('Nest + Fastify (@nestjs/platform-fastify)', () =>
      NestFactory.create(BenchHttpModule, new FastifyAdapter(), { logger: false }),
    ),
    await nestTarget('Nest + Express (@nestjs/platform-express)', () =>
      NestFactory.create(BenchHttpModule, new ExpressAdapter(), { logger: false }),
    ),
    await bareTarget(),
  ];
  const [fastify, express] = targets;
  for (const target of targets) await verify(target, orderJson);

  const worker = new Worker(new URL(import.meta.url));
  const load = async (target: Target, scenario: Scenario, durationMs: number): Promise<LoadResult> => {
    const job: LoadJob = { port: target.port, request: scenario.request, connections: CONNECTIONS, durationMs, maxRequests: MAX_REQUESTS_PER_ROUND };
    worker.postMessage(job);
    const [reply] = (await once(worker, 'message')) as [LoadResult | { error: string }];
    if ('error' in reply) throw new Error(`load generator failed: ${reply.error}`);
    return reply;
  };

  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}); ` +
      `@nestjs/core ${version('@nestjs/core')}, fastify ${version('fastify')}, express ${version('express')}`,
  );
  console.log(`${CONNECTIONS} keep-alive connections over loopback; ${ROUNDS} rounds x ${ROUND_MS} ms per variant after ${WARMUP_MS} ms warm-up\n`);

  let failed = false;
  try {
    for (const scenario of scenarios) {
      const totals = new Map(targets.map((t) => [t, { ok: 0, errors: 0, seconds: 0, p50: [] as number[], p99: [] as number[] }]));
      for (const target of targets) await load(target, scenario, WARMUP_MS);
      for (let round = 0; round < ROUNDS; round++) {
        // Rotate the order so no variant always runs first (or right after the same neighbour).
        const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
        for (const target of order) {
          const r = await load(target, scenario, ROUND_MS);
          const t = totals.get(target)!;
          t.ok += r.ok;
          t.errors += r.errors;
          t.seconds += r.seconds;
          t.p50.push(r.p50Ms);
          t.p99.push(r.p99Ms);
        }
      }

      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const rps = (t: Target): number => totals.get(t)!.ok / totals.get(t)!.seconds;
      console.log(scenario.name);
      console.log(`  ${'variant'.padEnd(44)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(7)}`);
      for (const target of targets) {
        const t = totals.get(target)!;
        failed ||= t.errors > 0;
        console.log(
          `  ${target.name.padEnd(44)} ${rps(target).toFixed(0).padStart(8)} ${median(t.p50).toFixed(2).padStart(7)} ` +
            `${median(t.p99).toFixed(2).padStart(7)} ${String(t.errors).padStart(7)}`,
        );
      }
      console.log(`  ratio Fastify/Express: ${(rps(fastify!) / rps(express!)).toFixed(2)}\n`);
    }
  } finally {
    await worker.terminate();
    for (const target of targets) await target.close();
  }
  if (failed) {
    console.error('some requests failed: the numbers above are not comparable');
    process.exitCode = 1;
  }
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  runWorker();
}
