import type { IncomingMessage } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import type { Options } from 'pino-http';
import { AppConfig } from '../config/config.js';
import { redactUrl } from './request-log.js';
import { activeTraceIds, requestTraceIds, tracingEnabled } from './tracing.js';

/** Structured JSON logs (pino): a logger per request with its id; tenant and user once known; trace ids when tracing is on. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        assignResponse: true,
        // Written to stdout asynchronously (sonic-boom): lines that arrive while a write is in flight
        // leave together, instead of one write system call per line (one per request: about 2 % of
        // an authenticated read's CPU, docs/adr/0018). pino flushes what is pending on exit; a
        // process killed outright (SIGKILL) can lose the last few lines.
        pinoHttp: [pinoOptions(config), pino.destination({ dest: 1, sync: false })],
      }),
    }),
  ],
})
export class LoggingModule {}

function pinoOptions(config: AppConfig): Options {
  return {
    level: config.env.LOG_LEVEL,
    // With tracing on, every line logged inside a request or job carries its trace and span ids.
    // Only when tracing is on (decided at start-up): otherwise no per-line cost at all.
    ...(tracingEnabled()
      ? {
          mixin: () => activeTraceIds() ?? {},
          // The request's own lines (pino-http's, also the one written once the response is sent).
          customProps: (req: IncomingMessage) => requestTraceIds(req),
        }
      : {}),
    // Fastify assigns request ids (honouring a sane X-Request-Id); reuse them.
    genReqId: (req) => (req as { id?: string }).id ?? 'unknown',
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers["stripe-signature"]'],
      censor: '[redacted]',
    },
    // Plain objects and Node's request/response alike; no headers, no secrets in query strings.
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
    },
    // The one line per request is written by installRequestLog (request-log.ts), for unknown
    // paths too; pino-http only binds the request's logger here.
    autoLogging: false,
  };
}
