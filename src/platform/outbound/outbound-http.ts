import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { OutboundPolicy } from './outbound-policy.js';

export interface OutboundRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** What a caller needs of OutboundHttp (a provider takes this, so its tests can hand one in). */
export interface OutboundFetch {
  fetch(url: string, init: OutboundRequest): Promise<Response>;
}

/** Statuses whose responses have no body (the Response constructor refuses one). */
const NO_BODY = new Set([204, 205, 304]);

/**
 * HTTP(S) to URLs a tenant configured, through OutboundPolicy. The URL is checked before anything
 * happens, and the policy's `lookup` resolves the host name for the socket itself, so the address
 * connected to is the one checked (global fetch resolves on its own, after any check we could make:
 * DNS rebinding). Redirects are never followed: a 3xx comes back as it is. Built on node:http
 * because the fetch bundled with Node takes a connect hook only through an undici Agent of its own
 * undici version, which is not a dependency we can pin. Answers with a standard fetch Response.
 */
@Injectable()
export class OutboundHttp implements OutboundFetch, OnModuleDestroy {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  } as const;

  constructor(private readonly policy: OutboundPolicy) {}

  /** Rejects with OutboundRefusedError when the URL or its address is not allowed (nothing is sent). */
  async fetch(target: string, init: OutboundRequest): Promise<Response> {
    const url = this.policy.checkTarget(target);
    const protocol = url.protocol as 'http:' | 'https:';
    const client = protocol === 'https:' ? https : http;
    const body = init.body === undefined ? undefined : Buffer.from(init.body);
    return new Promise<Response>((resolve, reject) => {
      const request = client.request(
        url,
        {
          method: init.method,
          headers: { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
          agent: this.agents[protocol],
          lookup: this.policy.lookup,
          signal: init.signal,
        },
        (response) => {
          try {
            resolve(toResponse(response));
          } catch (error) {
            response.destroy();
            reject(error);
          }
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  onModuleDestroy(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}

function toResponse(message: IncomingMessage): Response {
  const status = message.statusCode ?? 0;
  if (status < 200 || status > 599) throw new Error(`unexpected HTTP status ${status}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
  }
  if (NO_BODY.has(status)) {
    message.resume();
    return new Response(null, { status, statusText: message.statusMessage, headers });
  }
  return new Response(Readable.toWeb(message) as ReadableStream<Uint8Array>, { status, statusText: message.statusMessage, headers });
}
