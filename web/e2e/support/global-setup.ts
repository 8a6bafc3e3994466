/**
 * Starts what the browser tests need, and returns the teardown: a fresh database migrated with the
 * project's migrator, the fake Stripe server of the Jest suite, the built API (`node dist/src/main.js`,
 * worker included: mail and webhooks are jobs) with the file mail transport, serving web/dist at /
 * from the same origin as in production. Nothing is started when E2E_BASE_URL names a running server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropDatabase, TEST_CHAT_ENCRYPTION_KEY, TEST_JWT_SECRET, testDatabaseUrls } from '../../../test/support/database.ts';
import http from 'node:http';
import { checkoutSessionObject, FAKE_PRICES, type FakeStripe, signatureHeader, startFakeStripe, stripeEvent } from '../../../test/support/fake-stripe.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function waitFor(url: string, child: ChildProcess, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    try {
      // As a browser asks: the API falls back to the app's index.html only for HTML requests.
      const response = await fetch(url, { headers: { accept: 'text/html' } });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} did not answer ${url} within ${timeoutMs} ms`);
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, name: string): ChildProcess {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) =>
    process.env.E2E_VERBOSE === '1' || /error|fatal/i.test(chunk.toString()) ? process.stderr.write(`[${name}] ${chunk.toString()}`) : undefined;
  child.stdout?.on('data', prefix);
  child.stderr?.on('data', prefix);
  return child;
}

export default async function globalSetup(): Promise<(() => Promise<void>) | undefined> {
  // Another origin for the widget's tests: pages of "a tenant's own website" embedding widget.js.
  const hostOrigin = await startHostOrigin(Number(process.env.E2E_HOST_PORT ?? 3604), process.env.E2E_BASE_URL ?? `http://127.0.0.1:${process.env.E2E_WEB_PORT ?? 3600}`);
  process.env.E2E_HOST_URL = hostOrigin.url;
  if (process.env.E2E_BASE_URL) {
    if (!process.env.E2E_MAIL_DIR) throw new Error('E2E_BASE_URL needs E2E_MAIL_DIR (the server’s MAIL_FILE_DIR)');
    return async () => hostOrigin.close();
  }
  // Same origin, as in production: the API serves the built app (web/dist) at / with its real
  // security headers (CSP), cookies and SPA fallback.
  const webPort = Number(process.env.E2E_WEB_PORT ?? 3600);
  const apiPort = webPort;
  const database = `tenantry_e2e_${randomBytes(5).toString('hex')}`;
  const urls = testDatabaseUrls(database);
  const mailDir = await mkdtemp(path.join(tmpdir(), 'tenantry-e2e-mail-'));
  const { migrate } = (await import(path.join(root, 'dist/src/platform/db/migrator.js'))) as typeof import('../../../src/platform/db/migrator.ts');
  await migrate({ ...urls, migrationsDir: path.join(root, 'prisma/migrations') });

  const stripe = await startFakeStripe();
  const model = await startEchoModel(Number(process.env.E2E_MODEL_PORT ?? 3603));
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const webUrl = `http://127.0.0.1:${webPort}`;
  const apiEnv = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    WEB_DIST_DIR: path.join(root, 'web/dist'),
    DATABASE_URL: urls.ownerUrl,
    APP_DATABASE_URL: urls.appUrl,
    PLATFORM_DATABASE_URL: urls.platformUrl,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `e2e:${database}`,
    JWT_SECRET: TEST_JWT_SECRET,
    CHAT_ENCRYPTION_KEY: TEST_CHAT_ENCRYPTION_KEY,
    APP_BASE_URL: webUrl,
    MAIL_TRANSPORT: 'file',
    MAIL_FILE_DIR: mailDir,
    LOG_LEVEL: process.env.E2E_VERBOSE === '1' ? 'info' : 'warn',
    // No metrics server: a developer's running API may hold the default port (9464), and no test here reads it.
    METRICS_PORT: '0',
    SIGNIN_RATE_PER_IP: '100000',
    SIGNIN_RATE_PER_ACCOUNT: '100000',
    API_CALL_FLUSH_MS: '1000',
    // The echo model below listens on 127.0.0.1, which the SSRF guard refuses unless allowed (ADR 0011).
    PROVIDER_ALLOWED_PRIVATE_HOSTS: '127.0.0.1/32',
    ...stripe.env,
  };
  // The seed demo's tenants (acme, globex, initech), for the widget's demo page.
  await run(process.execPath, ['dist/scripts/tenants-import.js', 'prisma/seed/tenants.jsonl'], apiEnv, root);
  const api = start(process.execPath, ['dist/src/main.js'], apiEnv, root, 'api');

  const control = await startStripeControl(stripe, apiUrl, Number(process.env.E2E_CONTROL_PORT ?? 3602));
  const teardown = async () => {
    hostOrigin.close();
    control.close();
    model.close();
    api.kill('SIGTERM');
    await once(api);
    await stripe.close();
    await dropDatabase(database).catch(() => undefined);
    await rm(mailDir, { recursive: true, force: true });
  };
  try {
    await waitFor(`${apiUrl}/health/ready`, api, 'the API');
    await waitFor(`${webUrl}/login`, api, 'the web app');
  } catch (error) {
    await teardown();
    throw error;
  }
  process.env.E2E_MAIL_DIR = mailDir;
  process.env.E2E_FAKE_STRIPE_PORT = String(stripe.port);
  process.env.E2E_CONTROL_URL = `http://127.0.0.1:${control.port}`;
  process.env.E2E_DATABASE_URL = urls.ownerUrl;
  process.env.E2E_MODEL_URL = `http://127.0.0.1:${model.port}/v1`;
  return teardown;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with code ${code}`))));
  });
}

/**
 * A tenant's own website, on another origin: GET /?tenant=<slug> is a page embedding
 * `<api>/widget.js` for that tenant; `&widget=0` leaves the widget out, `&aggressive=1` adds CSS
 * that would wreck any widget styled by the page's rules. No CSP of its own.
 */
async function startHostOrigin(port: number, apiUrl: string): Promise<{ url: string; close(): void }> {
  const AGGRESSIVE = `* { color: red !important; font-size: 40px !important; font-family: "Comic Sans MS", cursive !important; line-height: 3 !important; }
    button { display: none !important; } div { background: yellow !important; border: 5px dashed green !important; padding: 30px !important; }
    aside, section, form, textarea, p, span { display: block !important; margin: 50px !important; opacity: 0.5 !important; visibility: visible !important; }`;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (url.pathname !== '/') return void res.writeHead(404).end();
    const tenant = (url.searchParams.get('tenant') ?? '').replace(/[^\w-]/g, '');
    const widget = url.searchParams.get('widget') === '0' ? '' : `<script src="${apiUrl}/widget.js" data-tenant="${tenant}" async></script>`;
    const style = url.searchParams.get('aggressive') === '1' ? `<style>${AGGRESSIVE}</style>` : '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A tenant's website</title>
<style>body { font: 16px/1.5 Georgia, serif; margin: 24px; } .box { padding: 12px; border: 1px solid #999; } main button { background: #eee; }</style>${style}</head>
<body><main><h1>A tenant's own website</h1><p id="para">Some text of the host page, <span>with a span</span>.</p>
<div class="box" id="box"><button id="host-button" type="button">A host button</button><input id="host-input" aria-label="Host input"></div></main>
${widget}</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

function once(child: ChildProcess): Promise<void> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Faults of the echo model, set through the control server: `PUT /model/completions-status/<code>`
 * makes every non-streamed completion (what the conversation-title job asks for) answer <code>
 * (0: answer normally again). Streamed replies are not affected.
 */
const modelFaults = { completionStatus: 0 };

/**
 * What Stripe does after a Checkout payment, on demand for the browser tests (the fake lives in this
 * process): POST /checkout/:sessionId makes the subscription and sends the signed
 * checkout.session.completed webhook to the API. Also sets the echo model's faults (modelFaults).
 */
async function startStripeControl(stripe: FakeStripe, apiUrl: string, port: number): Promise<{ port: number; close(): void }> {
  const server = http.createServer((req, res) => {
    const fault = /^\/model\/completions-status\/(\d{1,3})$/.exec(req.url ?? '');
    if (req.method === 'PUT' && fault) {
      modelFaults.completionStatus = Number(fault[1]);
      res.writeHead(204).end();
      return;
    }
    const id = /^\/checkout\/([\w]+)$/.exec(req.url ?? '')?.[1];
    const session = id ? stripe.checkoutSessions.get(id) : undefined;
    if (req.method !== 'POST' || !session) {
      res.writeHead(404).end();
      return;
    }
    const customer = String(session.customer);
    const subscription = stripe.createSubscription({ customer, price: FAKE_PRICES.pro, status: 'active', metadata: session.metadata as Record<string, string> });
    const payload = JSON.stringify(stripeEvent('checkout.session.completed', checkoutSessionObject(customer, subscription.id, session.metadata as Record<string, string>)));
    fetch(`${apiUrl}/api/v1/billing/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signatureHeader(payload) }, body: payload })
      .then(async (answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()))
      .catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, close: () => server.close() };
}

/**
 * An OpenAI-compatible model for the browser tests: it streams back the system prompt it was given
 * ("[system: ...]") then the user's message, word by word; a message containing "slowly" trickles
 * 200 words, one every 50 ms, ending with END (the stop test stops it long before).
 */
async function startEchoModel(port: number): Promise<{ port: number; close(): void }> {
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as { messages?: Array<{ role: string; content: string }>; stream?: boolean };
      const system = body.messages?.find((m) => m.role === 'system')?.content ?? '';
      const user = body.messages?.filter((m) => m.role === 'user').at(-1)?.content ?? '';
      const slow = user.includes('slowly');
      const words = slow ? [...Array.from({ length: 200 }, (_, i) => `word${i} `), 'END'] : `[system: ${system}] You said: ${user}`.split(/(?<= )/);
      const chunk = (content: string) => `data: ${JSON.stringify({ id: 'echo', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
      if (!body.stream && modelFaults.completionStatus) {
        res.writeHead(modelFaults.completionStatus, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'refused by the test (modelFaults)' } }));
        return;
      }
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ id: 'echo', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: words.join('') }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: words.length } }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        if (i < words.length) {
          res.write(chunk(words[i++]!));
          return;
        }
        clearInterval(timer);
        res.write(`data: ${JSON.stringify({ id: 'echo', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
        res.end('data: [DONE]\n\n');
      }, slow ? 50 : 5);
      res.on('close', () => clearInterval(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, close: () => server.close() };
}
