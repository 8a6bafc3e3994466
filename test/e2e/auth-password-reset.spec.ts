import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { PasswordResetsRepository } from '../../src/modules/auth/password-reset/password-resets.repository.js';
import type { SessionTokens } from '../../src/modules/auth/sessions/sessions.service.js';
import { bearer, createTestApp, DEFAULT_PASSWORD, expectProblem, type TestApp, type TestUser } from '../support/http-app.js';

/**
 * Password reset: the request answers 202 whoever asks; a known account gets one email through the
 * outbox with a single-use, expiring link; confirming sets the password and signs out everywhere.
 */

let t: TestApp;
let ipCounter = 0;
const nextIp = (): string => `10.5.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;
const NEW_PASSWORD = 'a brand new passphrase';

beforeAll(async () => {
  t = await createTestApp({ env: { PASSWORD_RESET_TTL_MINUTES: '15', APP_BASE_URL: 'https://app.example.test/' } });
});

afterAll(async () => {
  await t?.close();
});

const post = (url: string, payload: Record<string, unknown>) =>
  t.inject({ method: 'POST', url: `/api/v1/auth/password-reset${url}`, payload, remoteAddress: nextIp() });

async function member(): Promise<TestUser & { tenantId: string }> {
  const user = await t.makeUser();
  const tenant = await t.makeTenant();
  await t.makeMember(tenant.id, 'member', user);
  return { ...user, tenantId: tenant.id };
}

interface Outgoing {
  template: string;
  payload: { resetUrl: string; expiresAt: string; name?: string };
}

async function emailsTo(email: string): Promise<Outgoing[]> {
  const { rows } = await t.owner.query('select template, payload from email_outbox where to_address = $1 order by created_at', [email]);
  return rows as Outgoing[];
}

/** The request is answered before the email is written: wait for it. */
async function resetEmail(email: string, count = 1): Promise<Outgoing> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const emails = await emailsTo(email);
    if (emails.length >= count) return emails[count - 1]!;
    if (Date.now() > deadline) throw new Error(`no reset email to ${email}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function requestToken(user: TestUser, count = 1): Promise<string> {
  expect((await post('/request', { email: user.email })).statusCode).toBe(202);
  const email = await resetEmail(user.email, count);
  return new URL(email.payload.resetUrl).searchParams.get('token')!;
}

describe('POST /api/v1/auth/password-reset/request', () => {
  it('answers 202 with the same empty body for a known and an unknown email; only the known one gets an email', async () => {
    const user = await member();
    const unknown = `nobody-${Date.now()}@example.test`;

    const known = await post('/request', { email: user.email.toUpperCase() });
    const nobody = await post('/request', { email: unknown });

    expect({ status: nobody.statusCode, body: nobody.body }).toEqual({ status: known.statusCode, body: known.body });
    expect(known.statusCode).toBe(202);
    const email = await resetEmail(user.email);
    expect(email).toEqual({
      template: 'password_reset',
      payload: { resetUrl: expect.stringMatching(/^https:\/\/app\.example\.test\/reset-password\?token=[0-9a-f]{32}\.[\w-]{43}$/), expiresAt: expect.any(String), name: user.name },
    });
    const minutes = (Date.parse(email.payload.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);
    expect(await emailsTo(unknown)).toEqual([]);
    // Only the token's hash is stored.
    const token = new URL(email.payload.resetUrl).searchParams.get('token')!;
    const { rows } = await t.owner.query(`select 1 from password_resets where token_hash = sha256(convert_to($1, 'UTF8')) and user_id = $2`, [token, user.id]);
    expect(rows).toHaveLength(1);
  });

  it('sends at most three emails per address and hour, still answering 202', async () => {
    const user = await member();
    for (let i = 1; i <= 3; i++) await requestToken(user, i);

    expect((await post('/request', { email: user.email })).statusCode).toBe(202);

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await emailsTo(user.email)).toHaveLength(3);
  });

  it('refuses extra fields (400)', async () => {
    expectProblem(await post('/request', { email: 'a@example.test', userId: '00000000-0000-4000-8000-000000000001' }), 400, 'validation_failed');
  });
});

describe('POST /api/v1/auth/password-reset/confirm', () => {
  it('sets the new password, and signs the user out everywhere', async () => {
    const user = await member();
    const session = await t.login(user.email, DEFAULT_PASSWORD, undefined, nextIp());
    const token = await requestToken(user);

    const res = await post('/confirm', { token, password: NEW_PASSWORD });

    expect(res.statusCode).toBe(204);
    expectProblem(
      await t.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: DEFAULT_PASSWORD }, remoteAddress: nextIp() }),
      401,
      'invalid_credentials',
    );
    await t.login(user.email, NEW_PASSWORD, undefined, nextIp());
    expectProblem(await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: session.refreshToken } }), 401, 'invalid_refresh_token');
    expectProblem(await t.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(session.accessToken) }), 401, 'unauthenticated');
    const { rows } = await t.owner.query(`select actor_id from audit_events where tenant_id = $1 and action = 'auth.password_reset'`, [user.tenantId]);
    expect(rows).toEqual([{ actor_id: user.id }]);
  });

  it('works once: reusing the token is 400 reset_token_invalid and changes nothing', async () => {
    const user = await member();
    const token = await requestToken(user);
    expect((await post('/confirm', { token, password: NEW_PASSWORD })).statusCode).toBe(204);

    expectProblem(await post('/confirm', { token, password: 'yet another passphrase' }), 400, 'reset_token_invalid');
    await t.login(user.email, NEW_PASSWORD, undefined, nextIp());
  });

  it('uses up the other open links of the user too', async () => {
    const user = await member();
    const first = await requestToken(user, 1);
    const second = await requestToken(user, 2);

    expect((await post('/confirm', { token: second, password: NEW_PASSWORD })).statusCode).toBe(204);

    expectProblem(await post('/confirm', { token: first, password: 'yet another passphrase' }), 400, 'reset_token_invalid');
  });

  it('refuses an expired token with 400 reset_token_invalid, and the password stays', async () => {
    const user = await member();
    const token = await requestToken(user);
    await t.owner.query(`update password_resets set expires_at = now() - interval '1 second' where user_id = $1`, [user.id]);

    expectProblem(await post('/confirm', { token, password: NEW_PASSWORD }), 400, 'reset_token_invalid');
    await t.login(user.email, DEFAULT_PASSWORD, undefined, nextIp());
  });

  it.each([
    ['garbage', 'garbage'],
    ['a token nobody issued', `${'a'.repeat(32)}.${'b'.repeat(43)}`],
  ])('refuses %s with 400 reset_token_invalid', async (_name, token) => {
    expectProblem(await post('/confirm', { token, password: NEW_PASSWORD }), 400, 'reset_token_invalid');
  });

  it("refuses another user's id with a real secret (the id scopes the lookup)", async () => {
    const victim = await member();
    const attacker = await member();
    const token = await requestToken(victim);
    const forged = `${attacker.id.replace(/-/g, '')}.${token.split('.')[1]}`;

    expectProblem(await post('/confirm', { token: forged, password: NEW_PASSWORD }), 400, 'reset_token_invalid');
    await t.login(attacker.email, DEFAULT_PASSWORD, undefined, nextIp());
  });

  it('refuses a weak password with 400 validation_failed naming password, and the link stays usable', async () => {
    const user = await member();
    const token = await requestToken(user);
    const localPart = user.email.split('@')[0]!;

    for (const password of ['short', '1234567890', `${localPart}-2026!`]) {
      const body = expectProblem(await post('/confirm', { token, password }), 400, 'validation_failed');
      expect(body.errors).toEqual([{ field: 'password', message: expect.any(String) }]);
    }
    expect((await post('/confirm', { token, password: NEW_PASSWORD })).statusCode).toBe(204);
  });

  it('of two concurrent confirmations of one token, exactly one succeeds', async () => {
    const user = await member();
    const token = await requestToken(user);
    // Both read the link as unused before either uses it: the race, every time.
    const repository = t.app.get(PasswordResetsRepository);
    const read = repository.findByHash.bind(repository);
    let reads = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    const spy = jest.spyOn(repository, 'findByHash').mockImplementation(async (hash) => {
      const row = await read(hash);
      if (++reads === 2) bothRead();
      await barrier;
      return row;
    });

    const answers = await Promise.all([post('/confirm', { token, password: 'first new passphrase' }), post('/confirm', { token, password: 'second new passphrase' })]);

    spy.mockRestore();
    expect(answers.map((r) => r.statusCode).sort()).toEqual([204, 400]);
    const winner = answers[0].statusCode === 204 ? 'first new passphrase' : 'second new passphrase';
    const tokens: SessionTokens = await t.login(user.email, winner, undefined, nextIp());
    expect(tokens.userId).toBe(user.id);
  });
});
