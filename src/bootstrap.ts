import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import type { AppConfig } from './platform/config/config.js';
import { installInputBoundary } from './platform/http/input-boundary.js';
import { setupOpenApi } from './platform/http/openapi.js';
import { HttpError, HttpErrorCode } from './platform/http/app-error.js';
import { sendProblem, toProblem } from './platform/http/problem.filter.js';
import { installSecurityHeaders, useSecurityHeaders } from './platform/http/security-headers.js';
import { serveWebApp } from './platform/http/web-app.js';
import { serveWidgetFiles } from './platform/http/widget-files.js';
import { EdgeAdmission, installEdgeAdmission } from './platform/security/edge-admission.js';
import { installRequestScope } from './platform/context/request-scope.js';
import { installRequestLog } from './platform/observability/request-log.js';
import { installRequestTracing } from './platform/observability/request-tracing.js';

/** Routes outside /api/v1: probes, and the seed demo's widget API, which keeps its own paths. */
export const UNPREFIXED_ROUTES = ['health/live', 'health/ready', 'session', 'chat'];

/** The seed demo's widget routes, which answer errors as `{"detail": ...}` (WidgetErrorFilter). */
const WIDGET_ROUTES = new Set(['/session', '/chat']);

const SANE_REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface CreateAppOptions {
  /** Modules imported beside the application's own (end-to-end tests add test-only controllers). */
  imports?: Type[];
}

/** Builds the HTTP application (used by main.ts and by end-to-end tests alike). */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.env.BODY_LIMIT_BYTES,
    trustProxy: config.env.TRUST_PROXY,
    // Our own drain-time 503 (problem+json with the request id), from the onRequest hook below.
    return503OnClosing: false,
    // No Nest middleware: the request's span, context and log are Fastify hooks (below), and
    // middie's own onRequest hook would run for every request all the same.
    skipMiddie: true,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  // First of all hooks: Fastify's not-found handler keeps the hooks that existed when it was set.
  // The request's span (tracing on), then its log line, the security headers, and the edge
  // admission, whose refusals skip all of Nest and still carry those headers; then the request's
  // context, which everything after the edge runs in.
  const fastify = adapter.getInstance();
  installRequestTracing(fastify);
  installRequestLog(fastify, () => PinoLogger.root);
  useSecurityHeaders(fastify, config);
  const edge: { admission?: EdgeAdmission } = {};
  installEdgeAdmission(fastify, () => edge.admission);
  installRequestScope(fastify);
  const drain = drainBeforeShutdownHooks(adapter);
  const root = AppModule.forRoot(config);
  root.imports = [...(root.imports ?? []), ...(options.imports ?? [])];
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  edge.admission = app.get(EdgeAdmission);
  app.setGlobalPrefix('api/v1', { exclude: UNPREFIXED_ROUTES });

  // While draining, a request that still arrives (on a kept-alive connection) is turned away at once.
  // (Hooks on every request take a callback: an async one costs a promise and a turn each.)
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!drain.closing) return done();
    void reply.header('connection', 'close');
    const shuttingDown = new HttpError(HttpErrorCode.ShuttingDown, 'This instance is shutting down; retry the request', {}, { 'retry-after': '1' });
    sendProblem(reply, request, toProblem(shuttingDown)); // answered: a hook that replied does not call done
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
  installSecurityHeaders(fastify);
  installInputBoundary(app, { answersWithDetail: (request) => WIDGET_ROUTES.has(request.routeOptions.url ?? '') });

  await app.register(fastifyCookie);
  setupOpenApi(app);
  serveWidgetFiles(app, config);
  await serveWebApp(app, config);
  return app;
}

/**
 * Nest runs onModuleDestroy (which ends the database pools and Redis) before it closes the HTTP
 * server, so a request still in flight would lose its database halfway. Drain first: Nest awaits
 * the adapter's beforeClose before those hooks, and Fastify's close() stops accepting connections
 * and waits for the requests in flight, while the onRequest hook answers 503 problem+json
 * (`shutting_down`) on open keep-alive ones; Nest's own close of the
 * server afterwards is a no-op. (Patched on the instance, not subclassed: nestjs-cls recognises the
 * adapter by its class name.)
 */
function drainBeforeShutdownHooks(adapter: FastifyAdapter): { closing: boolean } {
  const state = { closing: false };
  const markShuttingDown = adapter.beforeClose.bind(adapter);
  // NestApplication.close() awaits beforeClose (typed as returning void).
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  adapter.beforeClose = async () => {
    state.closing = true;
    markShuttingDown();
    await adapter.getInstance().close();
  };
  return state;
}
