import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/config.js';

/** Structured JSON logs (pino): one line per request with its id; tenant and user once known. */
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
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
          },
          // 503 is a transient state (database, queue away; draining), already logged once per kind by the problem filter.
          customLogLevel: (_req, res, err) => (res.statusCode === 503 ? 'warn' : err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
          // pino-http invents an Error (with a stack) for every 5xx it logs: keep its message only.
          customErrorObject: (_req, _res, error, value) =>
            /^failed with status code \d+$/.test(error.message) ? { ...value, err: { message: error.message } } : value,
          autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health/') },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
