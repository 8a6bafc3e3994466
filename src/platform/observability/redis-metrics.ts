import type { Redis } from 'ioredis';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { metrics } from './metrics.js';
import { contextAttributes, tracer, tracingEnabled } from './tracing.js';

const OBSERVED = Symbol('tenantry.redisObserved');

interface CommandLike {
  name: string;
  promise: Promise<unknown>;
}

/**
 * Times every command of the application's own Redis client (redis_command_duration_seconds) and,
 * with tracing on, gives it a CLIENT span. Wraps the instance's sendCommand: BullMQ's and the
 * throttler's own connections are not covered.
 */
export function observeRedis(redis: Redis, record = true): void {
  const target = redis as unknown as Record<symbol, unknown> & { sendCommand: (command: CommandLike, stream?: unknown) => unknown };
  if (target[OBSERVED]) return;
  target[OBSERVED] = true;
  const original = target.sendCommand.bind(redis);
  target.sendCommand = (command: CommandLike, stream?: unknown) => {
    const started = performance.now();
    const span = tracingEnabled() && trace.getActiveSpan()?.isRecording()
      ? tracer().startSpan(`redis ${command.name}`, { kind: SpanKind.CLIENT, attributes: { ...contextAttributes(), 'db.system.name': 'redis', 'db.operation.name': command.name } })
      : undefined;
    const result = original(command, stream);
    if (!record && !span) return result;
    command.promise.then(
      () => {
        if (record) metrics.redisCommand.observe({ command: command.name, outcome: 'ok' }, (performance.now() - started) / 1000);
        span?.end();
      },
      (error: Error) => {
        if (record) metrics.redisCommand.observe({ command: command.name, outcome: 'error' }, (performance.now() - started) / 1000);
        span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        span?.end();
      },
    );
    return result;
  };
}
