import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccessEpochs } from '../cache/access-epochs.js';
import type { EpochStamp } from '../cache/epoch-cache.js';
import { keepContextStore } from '../context/request-store.js';
import type { AppError } from '../http/app-error.js';
import { sendProblem, toProblem } from '../http/problem.filter.js';
import { countRateLimitDecision } from '../observability/rate-limit-metrics.js';
import { type RateLimitDecision, RateLimiter } from '../rate-limit/rate-limiter.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import type { RouteAccess } from './decorators.js';
import { AccessTokenPrincipals } from './principal.js';

/**
 * The per-tenant API limit, as the module that owns it (usage) lends it to the edge: its key and
 * window, the tenant's limit when it is in memory, and the refusal the API answers with.
 */
export interface TenantRateLimit {
  /** The throttler's name (metrics). */
  readonly name: string;
  readonly windowMs: number;
  /** The tenant's limit per window from memory; undefined when not known yet (the usual path reads it). */
  cachedLimit(tenantId: string): number | undefined;
  /** The full Redis key of the tenant's window. */
  key(tenantId: string): string;
  /** What a request refused by the limit is answered (the same error the throttler throws). */
  refusal(decision: RateLimitDecision): AppError;
}

/** What an edge learnt about a request, for the guards, throttlers and services after it. */
export interface EdgeOutcome {
  /** The cache epochs read in the edge's round trip (the token's tenant and user, or a tenant's); none when Redis did not answer. */
  stamp?: EpochStamp;
  /** The limits the request was counted against, by full key: not to be counted again. */
  counted: Array<{ key: string; decision: RateLimitDecision }>;
}

/** A module's own edge for one route, run before Nest's pipeline once the body is parsed (preHandler). */
export type RouteEdge = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> | undefined;

/** Routes remembered (method and route template); far above the API's own. */
const MAX_ROUTES = 2_000;

/**
 * ONE Redis round trip before anything else of an authenticated request, and a refusal that costs
 * nothing more (docs/adr/0018, decision 20). A Fastify onRequest hook, ahead of Nest's middleware,
 * guards and interceptors; it acts only on what it can decide exactly from memory and Redis:
 * - a route the auth guard has already seen requiring authentication (learnt on its first request:
 *   the guard knows the route's metadata, the edge does not guess it);
 * - a `Bearer` access token verified before (AccessTokenVerifier.known), of a tenant session;
 * - a principal cached for it that still holds in an active tenant (AccessTokenPrincipals
 *   .admittedStamp) and the tenant's limit in memory (TenantRateLimit.cachedLimit).
 * Then one Lua script (RateLimiter.consumeUnderEpochs) reads the tenant's and user's cache epochs
 * and, only if they still read as when the principal was cached (so it still holds: a removed
 * member, a revoked session or a suspended tenant has bumped them), counts the request against the
 * tenant's limit. Over the limit, the 429 is answered here, with no SQL and none of Nest's pipeline.
 * Otherwise the epochs and the decision are kept for the request: the guard resolves the principal
 * under those epochs (no second read) and the throttler takes the decision (no second count).
 * Anything else (an API key, a token not verified yet, epochs that moved, Redis away) goes the
 * usual way, which decides the same, in two round trips.
 *
 * The edge counts only a request the guard will let through (the route's permission and rules,
 * learnt with the route, checked against the cached principal): the usual path counts in the
 * interceptors, after the guard, so a request it refuses with 403 is never counted either way.
 */
@Injectable()
export class EdgeAdmission {
  private readonly routes = new Map<string, RouteAccess>();
  private readonly routeEdges = new Map<string, RouteEdge>();
  private readonly outcomes = new WeakMap<object, EdgeOutcome>();
  private limit: TenantRateLimit | undefined;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly principals: AccessTokenPrincipals,
    private readonly epochs: AccessEpochs,
    private readonly limiter: RateLimiter,
  ) {}

  /** The per-tenant limit the edge counts (the usage module lends it at start). */
  useTenantLimit(limit: TenantRateLimit): void {
    this.limit = limit;
  }

  /**
   * A module's edge for `route` (`POST /chat`): it decides from memory and one Redis round trip,
   * and answers (returns the reply) only what the usual path would answer the same; otherwise it
   * keeps what it counted (`keep`) and lets the request go on.
   */
  useRouteEdge(route: string, edge: RouteEdge): void {
    this.routeEdges.set(route, edge);
  }

  /** Keeps what an edge read and counted for this request. */
  keep(request: object, outcome: EdgeOutcome): void {
    this.outcomes.set(request, outcome);
  }

  /** The auth guard tells, on a route's first request, the route's rules (authentication, permission). */
  learn(request: FastifyRequest, access: RouteAccess): void {
    const route = routeOf(request);
    if (route !== undefined && !this.routes.has(route) && this.routes.size < MAX_ROUTES) this.routes.set(route, access);
  }

  /** The epochs the edge read for this request's token, if it did. */
  stampOf(request: object): EpochStamp | undefined {
    return this.outcomes.get(request)?.stamp;
  }

  /** The decision the edge counted for this request under `key`, if it did. */
  countedAt(request: object, key: string): RateLimitDecision | undefined {
    return this.outcomes.get(request)?.counted.find((c) => c.key === key)?.decision;
  }

  /** The preHandler hook's work: the route's own edge, if a module gave one. */
  preHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> | undefined {
    if (this.routeEdges.size === 0) return undefined;
    const route = routeOf(request);
    return route === undefined ? undefined : this.routeEdges.get(route)?.(request, reply);
  }

  /** The hook's work for one request: undefined to go on, the reply when it was answered here. */
  onRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> | undefined {
    if (this.limit === undefined) return undefined;
    const route = routeOf(request);
    const access = route === undefined ? undefined : this.routes.get(route);
    if (access === undefined || access.isPublic) return undefined;
    return this.admit(request, reply, this.limit, access);
  }

  private async admit(request: FastifyRequest, reply: FastifyReply, limit: TenantRateLimit, access: RouteAccess): Promise<FastifyReply | undefined> {
    if (request.headers['x-api-key'] !== undefined) return undefined;
    const claims = this.verifier.known(request.headers.authorization);
    if (claims === undefined || claims.typ === 'platform') return undefined;
    if (!this.limiter.connected) return undefined; // the usual path fails open, and reports it once
    const tenantId = claims.tid;
    const max = limit.cachedLimit(tenantId);
    // Without a limit in memory, or a principal the route admits, nothing is counted here; the
    // epochs are still read for the guard.
    const expected = (max !== undefined && this.principals.admittedStamp(claims, access)) || '';
    const key = limit.key(tenantId);
    const scope = { tenantId, userId: claims.sub };
    const answer = await this.limiter.consumeUnderEpochs(key, this.epochs.keysOf(scope), expected, max ?? 0, limit.windowMs, 'edge');
    if (answer === undefined) {
      // Redis did not answer in time (reported once, as `edge`): the throttler lets the request
      // through uncounted on this outcome, rather than waiting for Redis a second time.
      const decision = countRateLimitDecision(limit.name, RateLimiter.failedOpen(max ?? 0, limit.windowMs));
      this.keep(request, { counted: [{ key, decision }] });
      return undefined;
    }
    const decision = answer.decision;
    this.keep(request, { stamp: answer.epochs as EpochStamp, counted: decision ? [{ key, decision }] : [] });
    if (decision === undefined) return undefined;
    countRateLimitDecision(limit.name, decision);
    if (decision.allowed) return undefined;
    // Refused here: the request log, the HTTP metrics and the tenant's traffic still see whose it was.
    keepContextStore(request.raw, { ctx: { tenantId, userId: claims.sub, roles: [], permissions: [], requestId: String(request.id) } });
    sendProblem(reply, request, toProblem(limit.refusal(decision)));
    return reply;
  }
}

function routeOf(request: FastifyRequest): string | undefined {
  const url = request.routeOptions.url;
  return url === undefined ? undefined : `${request.method} ${url}`;
}

/**
 * Adds the edge's hooks to `fastify` now, before the request's context is opened (request-scope.ts)
 * and before Nest creates the application, so that a refusal costs none of them;
 * the hook serves the instance `edge()` gives once the application exists (none before: no-op).
 */
export function installEdgeAdmission(fastify: FastifyInstance, edge: () => EdgeAdmission | undefined): void {
  fastify.addHook('onRequest', (request, reply, done) => settle(edge()?.onRequest(request, reply), done));
  // Once the body is parsed and checked at the boundary (preValidation), before Nest's handler.
  fastify.addHook('preHandler', (request, reply, done) => settle(edge()?.preHandler(request, reply), done));
}

/** Goes on (`done`) unless the edge answered: Fastify's hooks stop at a sent reply, and a hook that replied must not call done. */
function settle(answered: Promise<FastifyReply | undefined> | undefined, done: (error?: Error) => void): void {
  if (answered === undefined) return done();
  answered.then((sent) => sent === undefined && done(), done);
}
