import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../../../platform/config/config.js';

/**
 * CORS for the widget API (docs/adr/0021-embeddable-widget.md).
 *
 * - The preflight (OPTIONS, no body, so no tenant) is answered for any origin, reading nothing:
 *   it only lets the browser send the POST, which is where each tenant's list is enforced.
 * - A POST from another origin is admitted only when that origin is on the tenant's list (or the
 *   list is empty and WIDGET_EMPTY_ORIGINS is `any`); the answer then carries
 *   `Access-Control-Allow-Origin: <origin>`, errors included, so the widget can read a 429 or an
 *   "Unknown session". A refused origin gets 403 `{"detail": "Origin not allowed"}` without it.
 * - A request without Origin (curl, a server) or from the API's own origin (the app's assistant
 *   page) is no cross-origin call: no list applies.
 */
export const WIDGET_CORS = {
  methods: 'POST',
  headers: 'Content-Type',
  /** What the widget may read besides the CORS-safelisted headers: the limit's state and the request id. */
  exposed: 'Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-Id',
  /** Seconds a browser may keep a preflight's answer (Chromium caps it at 7200). It does not depend on any tenant's list. */
  maxAge: '7200',
} as const;

/** Who is calling, as far as CORS goes; WidgetService decides, the reply's headers follow. */
export interface WidgetCaller {
  /** The Origin of a cross-origin browser call; null: no Origin header, or the API's own origin. */
  crossOrigin: string | null;
  /** Called with the decision on `crossOrigin` (only when there is one). */
  decide(allowed: boolean): void;
}

@Injectable()
export class WidgetOrigins {
  private readonly appOrigin: string;
  private readonly anyWhenEmpty: boolean;

  constructor(config: AppConfig) {
    this.appOrigin = new URL(config.env.APP_BASE_URL).origin;
    this.anyWhenEmpty = config.widgetAnyOriginWhenEmpty;
  }

  /** Whether a tenant's list admits `origin`. */
  allows(allowedOrigins: readonly string[], origin: string): boolean {
    return allowedOrigins.length === 0 ? this.anyWhenEmpty : allowedOrigins.includes(origin);
  }

  /** The caller of a POST; its answer varies by Origin whatever the decision. */
  callerOf(request: FastifyRequest, reply: FastifyReply): WidgetCaller {
    void reply.header('vary', 'Origin');
    const crossOrigin = this.crossOriginOf(request);
    return {
      crossOrigin,
      decide: (allowed) => {
        if (crossOrigin === null) return;
        if (allowed) void reply.header('access-control-allow-origin', crossOrigin).header('access-control-expose-headers', WIDGET_CORS.exposed);
        else void reply.removeHeader('access-control-allow-origin').removeHeader('access-control-expose-headers');
      },
    };
  }

  /** The preflight's headers: any origin may send the POST; the POST is where the tenant's list is applied. */
  /** The Origin of a cross-origin call; null for a same-origin or non-browser one. */
  crossOriginOf(request: FastifyRequest): string | null {
    const origin = request.headers.origin;
    return typeof origin === 'string' && origin !== '' && !this.isOwn(origin, request) ? origin : null;
  }

  preflight(request: FastifyRequest, reply: FastifyReply): void {
    void reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || origin === '') return; // not a CORS preflight: nothing to allow
    void reply.headers({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': WIDGET_CORS.methods,
      'access-control-allow-headers': WIDGET_CORS.headers,
      'access-control-max-age': WIDGET_CORS.maxAge,
    });
  }

  /** The API's own origin: APP_BASE_URL's, or the one this request was sent to (Host is the browser's to set, not the page's). */
  private isOwn(origin: string, request: FastifyRequest): boolean {
    if (origin === this.appOrigin) return true;
    return URL.parse(`${request.protocol}://${request.host}`)?.origin === origin; // the URL drops a default port the Host may name
  }
}
