import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeDns } from '../../../test/support/fake-dns.js';
import { PrivateAllowList } from './allow-list.js';
import { OutboundHttp } from './outbound-http.js';
import { OutboundPolicy, OutboundRefusedError } from './outbound-policy.js';

/**
 * OutboundHttp against a real server on 127.0.0.1: what the policy admits is really sent; what it
 * refuses never opens a connection, whether the URL names the address or DNS answers it at call
 * time; redirects come back unfollowed.
 */

let server: Server;
let port: number;
let connections = 0;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.headers.host} ${req.url}`);
    if (req.url === '/redirect') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (req.url === '/empty') return void res.writeHead(204).end();
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
      res.write('{"echo":');
      res.end(`${JSON.stringify(body)}}`);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const clients: OutboundHttp[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.onModuleDestroy();
  connections = 0;
  seen.length = 0;
});

function client(options: { allow?: string[]; production?: boolean; dns?: Record<string, string[]> } = {}): OutboundHttp {
  const policy = new OutboundPolicy({ requireHttps: options.production ?? false, allowList: PrivateAllowList.parse(options.allow ?? []) }, new FakeDns(options.dns));
  const http = new OutboundHttp(policy);
  clients.push(http);
  return http;
}

const post = (http: OutboundHttp, url: string, signal?: AbortSignal) =>
  http.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"q":"é"}', signal });

async function refused(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundRefusedError);
  return (error as Error).message;
}

describe('OutboundHttp', () => {
  it('sends what the allow-list admits and answers with a standard Response', async () => {
    const res = await post(client({ allow: ['127.0.0.1/32'] }), `http://127.0.0.1:${port}/v1/chat`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(await res.json()).toEqual({ echo: '{"q":"é"}' });
    expect(seen).toEqual([`POST 127.0.0.1:${port} /v1/chat`]);
  });

  it('refuses a loopback address in the URL before connecting', async () => {
    expect(await refused(post(client(), `http://127.0.0.1:${port}/v1/chat`))).toBe('127.0.0.1 is a loopback address');
    expect(await refused(post(client(), `http://[::ffff:127.0.0.1]:${port}/v1/chat`))).toBe('::ffff:7f00:1 is a loopback address');
    expect(connections).toBe(0);
  });

  it('refuses, at connect time, a name that DNS answers with a loopback address: nothing is sent', async () => {
    const http = client({ dns: { 'models.example.com': ['127.0.0.1'] } });

    expect(await refused(post(http, `http://models.example.com:${port}/v1/chat`))).toBe('models.example.com resolves to a loopback address');

    expect(connections).toBe(0);
    expect(seen).toEqual([]);
  });

  it('follows DNS as it changes between calls (rebinding): each connection is checked anew', async () => {
    const dns = { 'models.example.com': ['127.0.0.1'] };
    const http = client({ allow: ['127.0.0.1/32'], dns });
    expect((await post(http, `http://models.example.com:${port}/v1/chat`)).status).toBe(200);

    http.onModuleDestroy(); // no pooled socket: the next call must connect again
    dns['models.example.com'] = ['127.0.0.2'];
    expect(await refused(post(http, `http://models.example.com:${port}/v1/chat`))).toBe('models.example.com resolves to a loopback address');
    expect(seen).toHaveLength(1);
  });

  it('lets a host name the allow-list names reach a private address', async () => {
    const res = await post(client({ allow: ['vllm.internal'], dns: { 'vllm.internal': ['127.0.0.1'] } }), `http://vllm.internal:${port}/v1/chat`);

    expect(res.status).toBe(200);
    expect(seen).toEqual([`POST vllm.internal:${port} /v1/chat`]);
  });

  it('never follows a redirect: the 3xx comes back as it is', async () => {
    const res = await post(client({ allow: ['127.0.0.1'] }), `http://127.0.0.1:${port}/redirect`);

    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://169.254.169.254/latest/meta-data/');
    expect(seen).toEqual([`POST 127.0.0.1:${port} /redirect`]);
  });

  it('answers a body-less status with a body-less Response', async () => {
    const res = await post(client({ allow: ['127.0.0.1'] }), `http://127.0.0.1:${port}/empty`);

    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
  });

  it('refuses http in production unless the allow-list admits the host', async () => {
    expect(await refused(post(client({ production: true, dns: { 'models.example.com': ['104.18.32.47'] } }), 'http://models.example.com/v1'))).toBe('must use https');
    expect((await post(client({ production: true, allow: ['127.0.0.1'] }), `http://127.0.0.1:${port}/v1/chat`)).status).toBe(200);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();

    await expect(post(client({ allow: ['127.0.0.1'] }), `http://127.0.0.1:${port}/v1/chat`, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});
