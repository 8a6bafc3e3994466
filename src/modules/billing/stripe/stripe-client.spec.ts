import { describe, expect, it } from '@jest/globals';
import Stripe from 'stripe';
import { UNIT_CONFIG_ENV } from '../../../../test/support/config-env.js';
import { ConfigError, loadConfig } from '../../../platform/config/config.js';
import { BillingError } from '../billing.errors.js';
import { StripeClient } from './stripe-client.js';

const BASE = UNIT_CONFIG_ENV;
const KEYS = { STRIPE_SECRET_KEY: 'sk_test_51Abc', STRIPE_WEBHOOK_SECRET: 'whsec_unitTestSecret' };

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('billing configuration', () => {
  it('is optional: without keys billing is off, grace is 7 days, the API process runs the jobs', () => {
    const config = loadConfig(BASE);
    expect(config.env).toMatchObject({ PAST_DUE_GRACE_DAYS: 7, WORKER_ENABLED: true });
    expect(new StripeClient(config).api).toBeNull();
    expect(() => new StripeClient(config).require()).toThrow(BillingError);
  });

  it('refuses a secret key without a webhook secret (no subscription change would ever apply)', () => {
    expect(problemsOf({ ...BASE, STRIPE_SECRET_KEY: KEYS.STRIPE_SECRET_KEY })).toEqual([expect.stringMatching(/^STRIPE_WEBHOOK_SECRET .*required/)]);
  });

  it('refuses plain http to the Stripe API in production', () => {
    expect(problemsOf({ ...BASE, ...KEYS, NODE_ENV: 'production', MAIL_TRANSPORT: 'file', STRIPE_API_PROTOCOL: 'http' })).toEqual([
      expect.stringMatching(/^STRIPE_API_PROTOCOL /),
    ]);
  });

  it('checks the shape of keys and price ids, and never echoes them', () => {
    const problems = problemsOf({ ...BASE, STRIPE_SECRET_KEY: 'pk_live_oops-not-secret', STRIPE_WEBHOOK_SECRET: 'whsec_ok', STRIPE_PRICE_PRO: 'prod_123' });
    expect(problems).toEqual([expect.stringMatching(/^STRIPE_SECRET_KEY /), expect.stringMatching(/^STRIPE_PRICE_PRO /)]);
    expect(problems.join('\n')).not.toContain('pk_live_oops');
  });

  it('masks the keys in the configuration it logs', () => {
    const described = loadConfig({ ...BASE, ...KEYS }).describe();
    expect(described).toMatchObject({ STRIPE_SECRET_KEY: '[secret]', STRIPE_WEBHOOK_SECRET: '[secret]' });
  });

  it('WORKER_ENABLED=false makes an API-only process', () => {
    expect(loadConfig({ ...BASE, WORKER_ENABLED: 'false' }).env.WORKER_ENABLED).toBe(false);
  });
});

describe('StripeClient.verifyWebhook (offline)', () => {
  const client = new StripeClient(loadConfig({ ...BASE, ...KEYS }));
  const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.paid', created: 1, data: { object: {} } });
  const sign = (timestamp: number, secret = KEYS.STRIPE_WEBHOOK_SECRET) => Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
  const now = () => Math.floor(Date.now() / 1000);

  it('returns the event of a delivery signed with the secret within 300 s', () => {
    expect(client.verifyWebhook(Buffer.from(payload), sign(now() - 299)).id).toBe('evt_1');
  });

  it.each([
    ['signed 301 s ago', () => sign(now() - 301)],
    ['signed with another secret', () => sign(now(), 'whsec_other')],
    ['without a signature', () => undefined],
  ])('refuses a delivery %s with invalid_signature', (_name, header) => {
    expect(() => client.verifyWebhook(Buffer.from(payload), header())).toThrow(expect.objectContaining({ code: 'invalid_signature', status: 400 }));
  });
});
