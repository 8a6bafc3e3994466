import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { InvitationsModule } from '../../src/modules/auth/invitations/invitations.module.js';
import { MembersModule } from '../../src/modules/tenant/members/members.module.js';
import { ROLES, type Role } from '../../src/platform/security/permissions.js';
import { bearer, createTestApp, DEFAULT_PASSWORD, mintToken, openTestSession, type TestApp } from '../support/http-app.js';
import { makeApiKey, rolesIn } from './members-factories.js';

/**
 * Property: whatever sequence of member operations random actors send to the real API (change a
 * role, remove, leave, invite and accept), a tenant always keeps at least one owner, and nobody but
 * an owner ever makes someone an owner. Also: a refused operation changes nothing, and an accepted
 * one does exactly what it asked. Actors include removed members and an API key holding
 * members:manage and members:invite.
 */

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ imports: [MembersModule, InvitationsModule] });
});

afterAll(async () => {
  await t?.close();
});

type Op =
  | { kind: 'setRole'; actor: number; target: number; role: Role }
  | { kind: 'remove'; actor: number; target: number }
  | { kind: 'leave'; actor: number }
  | { kind: 'invite'; actor: number; role: 'admin' | 'billing' | 'member' };

const who = fc.nat({ max: 20 });
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('setRole' as const), actor: who, target: who, role: fc.constantFrom(...ROLES) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), actor: who, target: who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), actor: who }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('invite' as const), actor: who, role: fc.constantFrom('admin' as const, 'billing' as const, 'member' as const) }) },
);

/** Someone who can send requests to the tenant: a user (member or not any more), or the API key. */
interface Actor {
  userId?: string;
  headers: Record<string, string>;
}

interface Step {
  op: Op;
  actor: Actor;
  /** The user the operation is about (target, the leaver, or the invitee who joined). */
  subject?: string;
  status: number;
}

async function perform(tenantId: string, actors: Actor[], op: Op): Promise<Step> {
  const actor = actors[op.actor % actors.length]!;
  const pick = (n: number): string => actors.filter((a) => a.userId)[n % actors.filter((a) => a.userId).length]!.userId!;
  const send = (method: 'PATCH' | 'DELETE' | 'POST', url: string, payload?: object): Promise<LightMyRequestResponse> =>
    t.inject({ method, url: `/api/v1${url}`, headers: actor.headers, ...(payload ? { payload } : {}) });

  switch (op.kind) {
    case 'setRole': {
      const subject = pick(op.target);
      return { op, actor, subject, status: (await send('PATCH', `/members/${subject}`, { role: op.role })).statusCode };
    }
    case 'remove': {
      const subject = pick(op.target);
      return { op, actor, subject, status: (await send('DELETE', `/members/${subject}`)).statusCode };
    }
    case 'leave':
      return { op, actor, subject: actor.userId, status: (await send('POST', '/members/me/leave')).statusCode };
    case 'invite': {
      const email = `p-${randomUUID().slice(0, 12)}@example.test`;
      const invited = await send('POST', '/invitations', { email, role: op.role });
      if (invited.statusCode !== 201) return { op, actor, status: invited.statusCode };
      const { rows } = await t.owner.query<{ payload: { acceptUrl: string } }>('select payload from email_outbox where to_address = $1', [email]);
      const token = new URL(rows[0]!.payload.acceptUrl).searchParams.get('token');
      const accepted = await t.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token, name: 'Newcomer', password: DEFAULT_PASSWORD } });
      const userId = accepted.statusCode === 200 ? accepted.json<{ userId: string }>().userId : undefined;
      if (userId) actors.push({ userId, headers: bearer(mintToken({ sub: userId, tid: tenantId, sid: await openTestSession(t.owner, userId, tenantId) })) });
      return { op, actor, subject: userId, status: accepted.statusCode === 200 ? 201 : accepted.statusCode };
    }
  }
}

/** The invariants, checked after every step against what is really in the table. */
function check(step: Step, before: Map<string, string>, after: Map<string, string>): void {
  const context = JSON.stringify({ op: step.op, actor: step.actor.userId ?? 'api-key', subject: step.subject, status: step.status, before: [...before], after: [...after] });
  const owners = [...after.values()].filter((role) => role === 'owner');
  expect({ context, owners: owners.length >= 1 }).toEqual({ context, owners: true });

  for (const [userId, role] of after) {
    if (role !== 'owner' || before.get(userId) === 'owner') continue;
    // A new owner: only through a PATCH to owner, by someone who was an owner when it started.
    const madeByAnOwner = step.op.kind === 'setRole' && step.subject === userId && step.actor.userId !== undefined && before.get(step.actor.userId) === 'owner';
    expect({ context, madeByAnOwner }).toEqual({ context, madeByAnOwner: true });
  }

  if (step.status >= 400) {
    expect({ context, unchanged: [...after].sort() }).toEqual({ context, unchanged: [...before].sort() });
    return;
  }
  const expected = new Map(before);
  if (step.op.kind === 'setRole') expected.set(step.subject!, step.op.role);
  if (step.op.kind === 'remove' || step.op.kind === 'leave') expected.delete(step.subject!);
  if (step.op.kind === 'invite') expected.set(step.subject!, step.op.role);
  expect({ context, after: [...after].sort() }).toEqual({ context, after: [...expected].sort() });
}

describe('member operations in any order, by anyone', () => {
  it('keep at least one owner, and only owners make owners', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 15, maxLength: 15 }), async (ops) => {
        const { id: tenantId } = await t.makeTenant();
        // Enterprise seats and API rate: the property is about roles, not about the plan's limits.
        await t.owner.query(`update tenants set plan = 'enterprise' where id = $1`, [tenantId]);
        const actors: Actor[] = [];
        for (const role of ['owner', 'admin', 'billing', 'member'] as const) {
          const person = await t.makeMember(tenantId, role);
          actors.push({ userId: person.id, headers: person.auth });
        }
        // Made by the admin, so its scopes follow that admin's role as the operations change it.
        actors.push({ headers: { 'x-api-key': await makeApiKey(t, tenantId, ['members:read', 'members:manage', 'members:invite'], actors[1]!.userId!) } });

        let before = await rolesIn(t, tenantId);
        for (const op of ops) {
          const step = await perform(tenantId, actors, op);
          const after = await rolesIn(t, tenantId);
          expect([200, 201, 204, 401, 403, 404, 409]).toContain(step.status);
          check(step, before, after);
          before = after;
        }
      }),
      { numRuns: 30 },
    );
  }, 240_000);
});
