import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import type { Options } from 'pino-http';
import { AppConfig } from '../config/config.js';
import { contextLogFields, redactUrl } from './request-log.js';
import { activeTraceIds, tracingEnabled } from './tracing.js';

/**
 * Structured JSON logs (pino). Every line logged inside a request names it (id, method, URL) and,
 * once known, its tenant, user and API key; inside a job, its tenant; with tracing on, its trace.
 * Those fields are read from the context store when a line is written (`contextLogFields`), not
 * bound per request: nestjs-pino's middleware (pino-http's child logger, and another for every
 * field assigned) is not mounted (`forRoutes: []`), so a request that logs nothing pays nothing.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // No request middleware (createApp's adapter has none: skipMiddie); PinoLogger logs through
        // the root logger, whose mixin names the request.
        forRoutes: [],
        // Written to stdout asynchronously (sonic-boom) in writes of at least 4 KiB, or every
        // 100 ms when quieter: one write system call for a few dozen lines instead of about one
        // per request (5 % of an authenticated read's CPU, docs/adr/0018). pino flushes what is
        // pending on exit; a process killed outright (SIGKILL) loses its last 100 ms of lines.
        pinoHttp: [pinoOptions(config), pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 })],
      }),
    }),
  ],
})
export class LoggingModule {}

export function pinoOptions(config: AppConfig): Options {
  return {
    level: config.env.LOG_LEVEL,
    // The request or job a line is logged in; with tracing on (decided at start-up), its trace and
    // span ids too. A field the line itself gives wins (pino's default merge).
    mixin: tracingEnabled() ? () => Object.assign(contextLogFields(), activeTraceIds()) : contextLogFields,
    // Fastify assigns request ids (honouring a sane X-Request-Id); reuse them.
    genReqId: (req) => (req as { id?: string }).id ?? 'unknown',
    // Plain objects and Node's request/response alike: id, method and URL only (no headers, so no
    // credential can reach a line through `req`: a redaction of its headers, checked on every line,
    // had nothing left to do), no secrets in query strings.
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
    },
    // The one line per request is written by installRequestLog (request-log.ts), for unknown paths too.
    autoLogging: false,
  };
}
