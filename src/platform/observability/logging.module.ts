import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/config.js';
import { redactUrl } from './request-log.js';

/** Structured JSON logs (pino): a logger per request with its id; tenant and user once known. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        assignResponse: true,
        pinoHttp: {
          level: config.env.LOG_LEVEL,
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
        },
      }),
    }),
  ],
})
export class LoggingModule {}
