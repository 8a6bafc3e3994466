import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import type { AppConfig } from './platform/config/config.js';
import { installInputBoundary } from './platform/http/input-boundary.js';
import { setupOpenApi } from './platform/http/openapi.js';
import { installSecurityHeaders } from './platform/http/security-headers.js';

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
    return503OnClosing: true,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  drainBeforeShutdownHooks(adapter);
  const root = AppModule.forRoot(config);
  root.imports = [...(root.imports ?? []), ...(options.imports ?? [])];
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.setGlobalPrefix('api/v1', { exclude: UNPREFIXED_ROUTES });

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  installSecurityHeaders(fastify);
  installInputBoundary(app, { answersWithDetail: (request) => WIDGET_ROUTES.has(request.routeOptions.url ?? '') });

  setupOpenApi(app);
  return app;
}

/**
 * Nest runs onModuleDestroy (which ends the database pools and Redis) before it closes the HTTP
 * server, so a request still in flight would lose its database halfway. Drain first: Nest awaits
 * the adapter's beforeClose before those hooks, and Fastify's close() stops accepting connections,
 * answers 503 on open keep-alive ones and waits for the requests in flight; Nest's own close of the
 * server afterwards is a no-op. (Patched on the instance, not subclassed: nestjs-cls recognises the
 * adapter by its class name.)
 */
function drainBeforeShutdownHooks(adapter: FastifyAdapter): void {
  const markShuttingDown = adapter.beforeClose.bind(adapter);
  adapter.beforeClose = async () => {
    markShuttingDown();
    await adapter.getInstance().close();
  };
}
