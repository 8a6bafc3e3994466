import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A local HTTP server speaking the part of Stripe's REST API that Tenantry uses, so the real
 * `stripe` library (and our code around it) is exercised end to end without the network:
 *
 * - POST /v1/customers, GET /v1/customers/:id
 * - POST /v1/checkout/sessions
 * - POST /v1/billing_portal/sessions
 * - GET /v1/subscriptions/:id, POST /v1/subscriptions/:id
 * - POST /v1/billing/meter_events (deduplicated by identifier)
 *
 * Requests are form-encoded with bracketed keys (`line_items[0][price]=...`), as the library sends
 * them; answers are JSON shaped like Stripe's (objects, `{ error: { type, code, message } }`).
 * Idempotency keys are honoured: the same key with the same parameters replays the first answer
 * (header `Idempotent-Replayed: true`), with other parameters it is a 400 idempotency_error.
 * Subscriptions are what the tests say Stripe holds (`createSubscription`, `setSubscription`); the
 * webhook job re-fetches them from here.
 */

export const FAKE_STRIPE_SECRET_KEY = 'sk_test_tenantryfake';
export const FAKE_WEBHOOK_SECRET = 'whsec_tenantryfaketestsecret';

type Params = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  params: Params;
  idempotencyKey?: string;
  /** Answered from the idempotency cache. */
  replayed: boolean;
  status: number;
}

export interface SubscriptionInput {
  customer: string;
  price: string;
  status?: Stripe.Subscription.Status;
  quantity?: number;
  metadata?: Record<string, string>;
  /** Unix seconds; default: 30 days from now. */
  currentPeriodEnd?: number;
  cancelAtPeriodEnd?: boolean;
}

export interface FakeStripe {
  /** Environment for createTestApp: points the app's Stripe client here, with keys and prices. */
  env: Record<string, string>;
  port: number;
  requests: RecordedRequest[];
  /** Requests (replays included) whose method and path match, e.g. count('POST', '/v1/customers'). */
  count(method: string, path: string): number;
  customers: Map<string, Params>;
  checkoutSessions: Map<string, Params>;
  subscriptions: Map<string, Params>;
  /** Billing meter events by identifier (a repeated identifier is dropped, as Stripe does). */
  meterEvents: Map<string, Params>;
  /** A subscription as Stripe would hold it after a completed checkout. */
  createSubscription(input: SubscriptionInput): Stripe.Subscription;
  /** Changes what Stripe holds (status, price, period end...). */
  setSubscription(id: string, change: Partial<Omit<SubscriptionInput, 'customer'>>): Stripe.Subscription;
  /** The next `times` requests matching method and path answer `status` (Stripe having a bad moment). */
  failNext(method: string, path: string, status: number, times?: number): void;
  close(): Promise<void>;
}

export interface FakeStripeOptions {
  /** Prices Stripe knows (checkout refuses others). */
  prices?: string[];
}

export const FAKE_PRICES = { pro: 'price_faketestpro', enterprise: 'price_faketestenterprise' } as const;

const newId = (prefix: string): string => `${prefix}_${randomBytes(12).toString('hex')}`;
const now = (): number => Math.floor(Date.now() / 1000);

class StripeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; message: string; code?: string; param?: string },
  ) {
    super(body.message);
  }
}

const missing = (kind: string, id: string, param = 'id'): StripeHttpError =>
  new StripeHttpError(404, { type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${kind}: '${id}'` });
const invalid = (param: string, message: string): StripeHttpError =>
  new StripeHttpError(400, { type: 'invalid_request_error', code: 'parameter_missing', param, message });

/** `a[b][0][c]=x` pairs into nested objects and arrays, as Stripe's API reads them. */
export function parseStripeForm(body: string): Params {
  const root: Params = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split(/\[|\]\[|\]/).filter((part) => part !== '');
    let node: Record<string, unknown> | unknown[] = root;
    path.forEach((part, i) => {
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(path[i + 1]!);
      const slot = Array.isArray(node) ? Number(part) : part;
      const container = node as Record<string | number, unknown>;
      if (last) container[slot] = value;
      else {
        container[slot] ??= nextIsIndex ? [] : {};
        node = container[slot] as Record<string, unknown> | unknown[];
      }
    });
  }
  return root;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const metadataOf = (value: unknown): Record<string, string> =>
  value && typeof value === 'object' ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : {};

export async function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  const prices = new Set(options.prices ?? Object.values(FAKE_PRICES));
  const customers = new Map<string, Params>();
  const checkoutSessions = new Map<string, Params>();
  const meterEvents = new Map<string, Params>();
  const portalSessions = new Map<string, Params>();
  const subscriptions = new Map<string, Params>();
  const requests: RecordedRequest[] = [];
  const idempotency = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  const failures: Array<{ method: string; path: string; status: number; times: number }> = [];

  function subscriptionObject(id: string, input: SubscriptionInput, created: number): Params {
    const periodEnd = input.currentPeriodEnd ?? now() + 30 * 86_400;
    return {
      id,
      object: 'subscription',
      customer: input.customer,
      status: input.status ?? 'active',
      cancel_at_period_end: input.cancelAtPeriodEnd ?? false,
      canceled_at: null,
      created,
      start_date: created,
      currency: 'usd',
      collection_method: 'charge_automatically',
      latest_invoice: null,
      livemode: false,
      metadata: input.metadata ?? {},
      items: {
        object: 'list',
        has_more: false,
        url: `/v1/subscription_items?subscription=${id}`,
        data: [
          {
            id: newId('si'),
            object: 'subscription_item',
            subscription: id,
            created,
            quantity: input.quantity ?? 1,
            current_period_start: periodEnd - 30 * 86_400,
            current_period_end: periodEnd,
            metadata: {},
            price: { id: input.price, object: 'price', active: true, currency: 'usd', type: 'recurring', recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' }, unit_amount: 2900 },
          },
        ],
      },
    };
  }

  const routes: Array<[string, RegExp, (match: RegExpMatchArray, params: Params) => Params]> = [
    [
      'POST',
      /^\/v1\/customers$/,
      (_m, p) => {
        const customer = {
          id: newId('cus'),
          object: 'customer',
          created: now(),
          name: str(p.name) ?? null,
          email: str(p.email) ?? null,
          description: null,
          metadata: metadataOf(p.metadata),
          balance: 0,
          currency: null,
          delinquent: false,
          livemode: false,
          invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
          preferred_locales: [],
          tax_exempt: 'none',
          test_clock: null,
        };
        customers.set(customer.id, customer);
        return customer;
      },
    ],
    [
      'GET',
      /^\/v1\/customers\/([\w]+)$/,
      (m) => {
        const customer = customers.get(m[1]!);
        if (!customer) throw missing('customer', m[1]!);
        return customer;
      },
    ],
    [
      'POST',
      /^\/v1\/checkout\/sessions$/,
      (_m, p) => {
        if (!str(p.mode)) throw invalid('mode', 'Missing required param: mode.');
        if (!str(p.success_url)) throw invalid('success_url', 'Missing required param: success_url.');
        const customer = str(p.customer);
        if (customer && !customers.has(customer)) throw missing('customer', customer, 'customer');
        const lineItems = Array.isArray(p.line_items) ? (p.line_items as Params[]) : [];
        if (lineItems.length === 0) throw invalid('line_items', 'Missing required param: line_items.');
        for (const [i, item] of lineItems.entries()) {
          if (!prices.has(String(item.price))) throw missing('price', String(item.price), `line_items[${i}][price]`);
        }
        const id = `cs_test_${randomBytes(16).toString('hex')}`;
        const session = {
          id,
          object: 'checkout.session',
          mode: p.mode,
          customer: customer ?? null,
          client_reference_id: str(p.client_reference_id) ?? null,
          metadata: metadataOf(p.metadata),
          subscription: null,
          status: 'open',
          payment_status: 'unpaid',
          success_url: p.success_url,
          cancel_url: str(p.cancel_url) ?? null,
          url: `https://checkout.stripe.test/c/pay/${id}`,
          created: now(),
          expires_at: now() + 86_400,
          livemode: false,
          // Not part of Stripe's answer; kept so tests can check what was asked for.
          _request: { line_items: lineItems, subscription_data: p.subscription_data ?? null },
        };
        checkoutSessions.set(id, session);
        const { _request: _, ...answer } = session;
        return answer;
      },
    ],
    [
      'POST',
      /^\/v1\/billing_portal\/sessions$/,
      (_m, p) => {
        const customer = str(p.customer);
        if (!customer) throw invalid('customer', 'Missing required param: customer.');
        if (!customers.has(customer)) throw missing('customer', customer, 'customer');
        const session = {
          id: newId('bps'),
          object: 'billing_portal.session',
          configuration: 'bpc_faketest',
          created: now(),
          customer,
          flow: null,
          livemode: false,
          locale: null,
          on_behalf_of: null,
          return_url: str(p.return_url) ?? null,
          url: `https://billing.stripe.test/p/session/${randomBytes(12).toString('hex')}`,
        };
        portalSessions.set(session.id, session);
        return session;
      },
    ],
    [
      'GET',
      /^\/v1\/subscriptions\/([\w]+)$/,
      (m) => {
        const subscription = subscriptions.get(m[1]!);
        if (!subscription) throw missing('subscription', m[1]!);
        return subscription;
      },
    ],
    [
      'POST',
      /^\/v1\/subscriptions\/([\w]+)$/,
      (m, p) => {
        const subscription = subscriptions.get(m[1]!);
        if (!subscription) throw missing('subscription', m[1]!);
        if (p.metadata !== undefined) subscription.metadata = { ...(subscription.metadata as object), ...metadataOf(p.metadata) };
        if (p.cancel_at_period_end !== undefined) subscription.cancel_at_period_end = p.cancel_at_period_end === 'true';
        const items = (subscription.items as { data: Params[] }).data;
        for (const change of Array.isArray(p.items) ? (p.items as Params[]) : []) {
          const item = items.find((it) => it.id === change.id) ?? items[0];
          if (item && change.quantity !== undefined) item.quantity = Number(change.quantity);
          if (item && change.price !== undefined) item.price = { ...(item.price as object), id: String(change.price) };
        }
        return subscription;
      },
    ],
    [
      'POST',
      /^\/v1\/billing\/meter_events$/,
      (_m, p) => {
        const identifier = str(p.identifier) ?? newId('mev');
        const existing = meterEvents.get(identifier);
        if (existing) return existing;
        if (!str(p.event_name)) throw invalid('event_name', 'Missing required param: event_name.');
        const event = {
          object: 'billing.meter_event',
          created: now(),
          event_name: str(p.event_name),
          identifier,
          livemode: false,
          payload: metadataOf(p.payload),
          timestamp: p.timestamp === undefined ? now() : Number(p.timestamp),
        };
        meterEvents.set(identifier, event);
        return event;
      },
    ],
  ];

  function route(method: string, path: string, params: Params): { status: number; body: unknown } {
    for (const [m, pattern, handler] of routes) {
      const match = method === m ? pattern.exec(path) : null;
      if (!match) continue;
      try {
        return { status: 200, body: handler(match, params) };
      } catch (error) {
        if (error instanceof StripeHttpError) return { status: error.status, body: { error: error.body } };
        throw error;
      }
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` } } };
  }

  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake-stripe');
      const method = req.method ?? 'GET';
      const params = method === 'GET' ? parseStripeForm(url.searchParams.toString()) : parseStripeForm(body);
      const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
      const send = (status: number, payload: unknown, replayed = false): void => {
        requests.push({ method, path: url.pathname, params, idempotencyKey, replayed, status });
        res.writeHead(status, {
          'content-type': 'application/json',
          'request-id': newId('req'),
          ...(idempotencyKey && { 'idempotency-key': idempotencyKey }),
          ...(replayed && { 'idempotent-replayed': 'true' }),
        });
        res.end(JSON.stringify(payload));
      };

      if (req.headers.authorization !== `Bearer ${FAKE_STRIPE_SECRET_KEY}`) {
        send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
        return;
      }
      const failure = failures.find((f) => f.method === method && f.path === url.pathname && f.times > 0);
      if (failure) {
        failure.times--;
        send(failure.status, { error: { type: 'api_error', message: 'Stripe is having a bad moment (injected by the test)' } });
        return;
      }
      if (method === 'POST' && idempotencyKey) {
        const fingerprint = JSON.stringify([method, url.pathname, params]);
        const seen = idempotency.get(idempotencyKey);
        if (seen && seen.fingerprint !== fingerprint) {
          send(400, {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            },
          });
          return;
        }
        if (seen) {
          send(seen.status, seen.body, true);
          return;
        }
        const answer = route(method, url.pathname, params);
        // Like Stripe: only a request that ran is remembered (a refused one may be retried with the key).
        if (answer.status < 400) idempotency.set(idempotencyKey, { fingerprint, ...answer });
        send(answer.status, answer.body);
        return;
      }
      const answer = route(method, url.pathname, params);
      send(answer.status, answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    env: {
      STRIPE_SECRET_KEY: FAKE_STRIPE_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: FAKE_WEBHOOK_SECRET,
      STRIPE_API_HOST: '127.0.0.1',
      STRIPE_API_PORT: String(port),
      STRIPE_API_PROTOCOL: 'http',
      STRIPE_PRICE_PRO: FAKE_PRICES.pro,
    },
    port,
    requests,
    count: (method, path) => requests.filter((r) => r.method === method && r.path === path).length,
    customers,
    checkoutSessions,
    meterEvents,
    subscriptions,
    createSubscription(input) {
      const id = newId('sub');
      const subscription = subscriptionObject(id, input, now());
      subscriptions.set(id, subscription);
      return subscription as unknown as Stripe.Subscription;
    },
    setSubscription(id, change) {
      const current = subscriptions.get(id);
      if (!current) throw new Error(`fake stripe: no subscription ${id}`);
      const item = (current.items as { data: Params[] }).data[0]!;
      if (change.status !== undefined) current.status = change.status;
      if (change.cancelAtPeriodEnd !== undefined) current.cancel_at_period_end = change.cancelAtPeriodEnd;
      if (change.metadata !== undefined) current.metadata = change.metadata;
      if (change.quantity !== undefined) item.quantity = change.quantity;
      if (change.price !== undefined) item.price = { ...(item.price as object), id: change.price };
      if (change.currentPeriodEnd !== undefined) item.current_period_end = change.currentPeriodEnd;
      return current as unknown as Stripe.Subscription;
    },
    failNext(method, path, status, times = 1) {
      failures.push({ method, path, status, times });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// ---- webhook deliveries, signed for real ----

export interface EventInput {
  id?: string;
  /** Unix seconds: when the event happened at Stripe (orders events). Default: now. */
  created?: number;
}

/** A Stripe event (API shape) carrying `object`. */
export function stripeEvent(type: string, object: object, input: EventInput = {}): Stripe.Event {
  return {
    id: input.id ?? newId('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: input.created ?? now(),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  } as unknown as Stripe.Event;
}

/** The Stripe-Signature header of `payload`, signed with the secret at `timestamp` (default now). */
export function signatureHeader(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? FAKE_WEBHOOK_SECRET, timestamp: options.timestamp });
}

/** An invoice event's object in the current API shape (subscription under parent.subscription_details). */
export function invoiceObject(customer: string, subscription: string): object {
  return {
    id: newId('in'),
    object: 'invoice',
    customer,
    status: 'open',
    parent: { type: 'subscription_details', subscription_details: { subscription, metadata: {} }, quote_details: null },
  };
}

export function checkoutSessionObject(customer: string, subscription: string, metadata: Record<string, string> = {}): object {
  return { id: `cs_test_${randomBytes(8).toString('hex')}`, object: 'checkout.session', mode: 'subscription', customer, subscription, metadata, status: 'complete' };
}
