import type { IncomingMessage } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/config.js';
import { activeTraceIds, requestTraceIds, tracingEnabled } from './tracing.js';

/** Structured JSON logs (pino): one line per request with its id; tenant and user once known; trace ids when tracing is on. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        assignResponse: true,
        pinoHttp: {
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
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
          },
          customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
          autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health/') },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
