import type { FastifyInstance } from 'fastify';
import { contextOfRequest } from '../context/request-store.js';
import { metrics, statusClass } from './metrics.js';

/** One finished HTTP request, as the HTTP recorder hands it to its observers (the tenant's traffic rollup). */
export interface HttpObservation {
  tenantId: string;
  apiKeyId?: string;
  status: number;
  durationMs: number;
  at: number;
}

type Observer = (observation: HttpObservation) => void;
const observers = new Set<Observer>();

/** Subscribes to finished requests that had a tenant (returns the unsubscribe function). */
export function observeHttpRequests(observer: Observer): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/**
 * Records every request: one histogram observation labelled by method, route template (Fastify's
 * route, never the raw URL; `unmatched` for 404s without a route), status class and tenant (within
 * the label budget) when metrics are on (METRICS_PORT), and hands tenants' requests to the
 * observers (the traffic rollup) in any case. Fastify's onResponse hook runs after the response was sent, off the
 * response's critical path; reply.elapsedTime is measured by Fastify from onRequest.
 */
export function recordHttpMetrics(fastify: FastifyInstance, options: { prometheus: boolean }): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const state = contextOfRequest(request.raw);
    const tenantId = state?.tenantId;
    const status = reply.statusCode;
    const durationMs = reply.elapsedTime;
    if (options.prometheus) recordHttpRequest(request.method, request.routeOptions.url, status, durationMs / 1000, tenantId);
    if (tenantId !== undefined && observers.size > 0) {
      const observation: HttpObservation = { tenantId, apiKeyId: state?.apiKeyId, status, durationMs, at: Date.now() };
      for (const observer of observers) observer(observation);
    }
    done();
  });
}

/** The recorder itself (tests and benchmarks call it directly). */
export function recordHttpRequest(method: string, route: string | undefined, status: number, seconds: number, tenantId: string | undefined): void {
  metrics.httpDuration.observe(
    { method, route: route ?? 'unmatched', status_class: statusClass(status), tenant: metrics.tenants.labelFor(tenantId) },
    seconds,
  );
}
