import { BullMQOtel } from 'bullmq-otel';
import { tracingEnabled } from './tracing.js';

/**
 * BullMQ's own OpenTelemetry support, when tracing is on: `Queue.add` stores the active context
 * (the enqueuing request's) in the job, and the worker's `process` span continues that trace.
 */
export function queueTelemetry(): { telemetry?: BullMQOtel } {
  return tracingEnabled() ? { telemetry: new BullMQOtel({ tracerName: 'tenantry' }) } : {};
}
