import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChatModule } from '../../src/modules/chat/chat.module.js';
import { createTestApp, expectProblem, type TestApp, type TestMember } from '../support/http-app.js';

/**
 * GET /api/v1/conversations?q=: a case-insensitive substring of the title, searched by the server so
 * that it reaches conversations the client has not loaded. The same visibility rules as the list
 * (a member: their own; an admin: the tenant's; another tenant: nothing), and q is text, never a
 * pattern: `%`, `_` and `\` match only themselves.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ imports: [ChatModule] });
});
afterAll(async () => {
  await t?.close();
});

async function titled(member: TestMember, title: string): Promise<string> {
  const started = await t.inject({ method: 'POST', url: '/api/v1/conversations', headers: member.auth });
  expect(started.statusCode).toBe(201);
  const id = started.json<{ id: string }>().id;
  const renamed = await t.inject({ method: 'PATCH', url: `/api/v1/conversations/${id}`, headers: member.auth, payload: { title } });
  expect(renamed.statusCode).toBe(200);
  return id;
}

const search = (member: TestMember, query: string) => t.inject({ method: 'GET', url: `/api/v1/conversations?${query}`, headers: member.auth });

async function titlesFound(member: TestMember, q: string): Promise<string[]> {
  const res = await search(member, `q=${encodeURIComponent(q)}`);
  expect(res.statusCode).toBe(200);
  return res.json<{ data: Array<{ title: string }> }>().data.map((c) => c.title);
}

describe('GET /api/v1/conversations?q=', () => {
  it('finds titles containing q, ignoring case, most recently active first', async () => {
    const tenant = await t.makeTenant();
    const admin = await t.makeMember(tenant.id, 'admin');
    await titled(admin, 'Refund for order 12');
    await titled(admin, 'Shipping times');
    await titled(admin, 'Second REFUND question');

    expect(await titlesFound(admin, 'refund')).toEqual(['Second REFUND question', 'Refund for order 12']);
    expect(await titlesFound(admin, '  times ')).toEqual(['Shipping times']);
    expect(await titlesFound(admin, 'warranty')).toEqual([]);
  });

  it('pages through the matches with the cursor, never mixing in the others', async () => {
    const tenant = await t.makeTenant();
    const admin = await t.makeMember(tenant.id, 'admin');
    for (const title of ['invoice 1', 'other', 'invoice 2', 'invoice 3', 'other again']) await titled(admin, title);

    const page1 = (await search(admin, 'q=invoice&limit=2')).json<{ data: Array<{ title: string }>; nextCursor: string }>();
    const page2 = (await search(admin, `q=invoice&limit=2&cursor=${page1.nextCursor}`)).json<{ data: Array<{ title: string }>; nextCursor: string | null }>();

    expect([...page1.data, ...page2.data].map((c) => c.title)).toEqual(['invoice 3', 'invoice 2', 'invoice 1']);
    expect(page2.nextCursor).toBeNull();
  });

  it('takes %, _ and the backslash literally, and SQL as plain text', async () => {
    const tenant = await t.makeTenant();
    const admin = await t.makeMember(tenant.id, 'admin');
    await titled(admin, '100% sure');
    await titled(admin, 'snake_case names');
    await titled(admin, 'path C:\\temp');
    await titled(admin, 'plain words');

    expect(await titlesFound(admin, '%')).toEqual(['100% sure']);
    expect(await titlesFound(admin, '_')).toEqual(['snake_case names']);
    expect(await titlesFound(admin, 'e_c')).toEqual(['snake_case names']);
    expect(await titlesFound(admin, 'snake%names')).toEqual([]);
    expect(await titlesFound(admin, '\\')).toEqual(['path C:\\temp']);
    expect(await titlesFound(admin, "' or 1=1 --")).toEqual([]);
    expect(await titlesFound(admin, "plain'; drop table conversations; --")).toEqual([]);
    expect(await titlesFound(admin, 'plain')).toEqual(['plain words']);
  });

  it('refuses an empty, blank, over-long or NUL-bearing q with a problem document', async () => {
    const tenant = await t.makeTenant();
    const admin = await t.makeMember(tenant.id, 'admin');

    for (const q of ['', '%20%20', 'x'.repeat(101)]) {
      expect(expectProblem(await search(admin, `q=${q}`), 400, 'validation_failed')).toMatchObject({ errors: [expect.objectContaining({ field: 'q' })] });
    }
    expectProblem(await search(admin, 'q=a%00b'), 400, 'invalid_text');
    expect((await search(admin, `q=${'x'.repeat(100)}`)).statusCode).toBe(200);
  });

  it("searches only what the caller may see: a member their own, an admin the tenant's", async () => {
    const tenant = await t.makeTenant();
    const admin = await t.makeMember(tenant.id, 'admin');
    const alice = await t.makeMember(tenant.id, 'member');
    const bob = await t.makeMember(tenant.id, 'member');
    await titled(alice, 'alice budget');
    await titled(bob, 'bob budget');

    expect(await titlesFound(alice, 'budget')).toEqual(['alice budget']);
    expect(await titlesFound(bob, 'budget')).toEqual(['bob budget']);
    expect(await titlesFound(admin, 'budget')).toEqual(['bob budget', 'alice budget']);
  });

  it("never finds another tenant's conversations, even with the same title", async () => {
    const tenantA = await t.makeTenant();
    const tenantB = await t.makeTenant();
    const ownerA = await t.makeMember(tenantA.id, 'owner');
    const ownerB = await t.makeMember(tenantB.id, 'owner');
    const secret = `merger plans ${tenantB.id}`;
    const bChat = await titled(ownerB, secret);
    const aChat = await titled(ownerA, 'merger plans');

    const idsFound = async (member: TestMember, q: string) =>
      (await search(member, `q=${encodeURIComponent(q)}`)).json<{ data: Array<{ id: string }> }>().data.map((c) => c.id);

    expect(await idsFound(ownerA, secret)).toEqual([]);
    expect(await idsFound(ownerA, 'merger')).toEqual([aChat]);
    expect(await idsFound(ownerA, '%')).toEqual([]);
    // B's owner does find it: the empty results above were isolation, not absence.
    expect(await idsFound(ownerB, 'merger')).toEqual([bChat]);
  });
});
