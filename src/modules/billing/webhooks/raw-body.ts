import { Readable } from 'node:stream';
import { createParamDecorator, type ExecutionContext, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Route config (`@RouteConfig(KEEP_RAW_BODY)`) of routes that need the exact bytes they received. */
export const KEEP_RAW_BODY = { rawBody: true } as const;

type WithRawBody = FastifyRequest & { rawBody?: Buffer };

const tooLarge = (): Error => Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });

/**
 * Keeps the raw request body of the routes marked KEEP_RAW_BODY (the Stripe webhook: its
 * signature covers the exact bytes, which no re-serialised JSON reproduces). A preParsing hook
 * reads the body (within the route's body limit: 413 beyond it), stores it on `request.rawBody`
 * and hands the same bytes on to the normal JSON parser. Every other route is untouched.
 */
@Injectable()
export class RawBodyCapture implements OnModuleInit {
  private static readonly registered = new WeakSet<object>();

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // The worker process has no HTTP adapter, whatever its type says.
    const adapter = this.adapterHost.httpAdapter as { getInstance<T>(): T } | undefined;
    const fastify = adapter?.getInstance<FastifyInstance>();
    if (!fastify || RawBodyCapture.registered.has(fastify)) return; // no HTTP (the worker), or done
    RawBodyCapture.registered.add(fastify);
    // Every request passes here: a callback hook, so that the others cost no promise.
    fastify.addHook('preParsing', (request: WithRawBody, _reply, payload, done) => {
      if ((request.routeOptions.config as { rawBody?: unknown } | undefined)?.rawBody !== true) return done(null, payload);
      captureRawBody(request, payload).then((captured) => done(null, captured), done);
    });
  }
}

/** Reads the whole body (at most the route's limit), keeps it as `rawBody`, and hands it on as a stream. */
async function captureRawBody(request: WithRawBody, payload: AsyncIterable<Buffer | string>): Promise<Readable & { receivedEncodedLength: number }> {
  const limit = request.routeOptions.bodyLimit;
  if (Number(request.headers['content-length']) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > limit) throw tooLarge();
    chunks.push(bytes);
  }
  const raw = Buffer.concat(chunks, size);
  request.rawBody = raw;
  return Object.assign(Readable.from([raw], { objectMode: false }), { receivedEncodedLength: raw.length });
}

/** The exact bytes of the request body (routes marked KEEP_RAW_BODY only). */
export const RawBody = createParamDecorator((_: unknown, context: ExecutionContext): Buffer | undefined =>
  context.switchToHttp().getRequest<WithRawBody>().rawBody,
);
