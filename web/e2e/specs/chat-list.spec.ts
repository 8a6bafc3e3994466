import pg from 'pg';
import type { APIRequestContext } from '@playwright/test';
import { expect, expectAccessible, test, type Tenant, visit } from '../support/fixtures.ts';

/** Starts a conversation through the API and names it. */
async function conversation(request: APIRequestContext, tenant: Tenant, title: string): Promise<string> {
  const headers = { authorization: `Bearer ${tenant.accessToken}` };
  const started = await request.post('/api/v1/conversations', { headers });
  expect(started.status()).toBe(201);
  const { id } = (await started.json()) as { id: string };
  expect((await request.patch(`/api/v1/conversations/${id}`, { headers, data: { title } })).status()).toBe(200);
  return id;
}

test('the search asks the server, so it finds a conversation beyond the pages loaded', async ({ page, tenant }) => {
  // 31 conversations, written directly (starting them through the API runs into the chat rate limit):
  // the oldest is not on the first page of 30 that the list loads.
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    await db.query('BEGIN');
    await db.query("SELECT set_config('app.tenant_id', $1, true)", [tenant.id]);
    const titles = ['Quarterly needle report', ...Array.from({ length: 30 }, (_, i) => `Filler ${i}`)];
    for (const [i, title] of titles.entries()) {
      await db.query("INSERT INTO conversations (tenant_id, channel, title, title_source, updated_at) VALUES ($1, 'api', $2, 'user', now() + make_interval(secs => $3))", [tenant.id, title, i]);
    }
    await db.query('COMMIT');
  } finally {
    await db.end();
  }
  await visit(page, '/conversations', tenant.ownerEmail);
  const list = page.getByRole('navigation', { name: 'Conversations' });
  await expect(list.getByRole('link')).toHaveCount(30);
  await expect(list.getByRole('link', { name: 'Quarterly needle report' })).toHaveCount(0);

  const searched = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/conversations' && new URL(r.url()).searchParams.get('q') === 'NEEDLE');
  await page.getByRole('searchbox', { name: 'Search conversations' }).fill('NEEDLE');
  await searched;
  await expect(list.getByRole('link')).toHaveCount(1);
  await expect(list.getByRole('link', { name: 'Quarterly needle report' })).toBeVisible();

  // Wildcards are text: nothing is called "100%".
  await page.getByRole('searchbox', { name: 'Search conversations' }).fill('%');
  await expect(page.getByText('No conversation matches.')).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search conversations' }).fill('');
  await expect(list.getByRole('link')).toHaveCount(30);
});

test('a deleted conversation comes back with Undo and is never deleted; one not undone is, when its window ends', async ({ page, request, tenant }) => {
  const kept = await conversation(request, tenant, 'Keep me after all');
  const gone = await conversation(request, tenant, 'Really delete me');
  const deletes: string[] = [];
  page.on('request', (r) => r.method() === 'DELETE' && deletes.push(new URL(r.url()).pathname));
  await visit(page, `/conversations/${kept}`, tenant.ownerEmail);
  const list = page.getByRole('navigation', { name: 'Conversations' });
  const undo = page.getByRole('status').getByRole('button', { name: 'Undo' });

  await list.getByRole('button', { name: 'Actions for Keep me after all' }).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  await expect(list.getByRole('link', { name: 'Keep me after all' })).toHaveCount(0);
  await expect(page).toHaveURL(/\/conversations$/);
  await undo.click();
  await expect(list.getByRole('link', { name: 'Keep me after all' })).toBeVisible();

  // The second deletion's window opens after the first one's: once its DELETE is sent, the first
  // window is over too, and nothing was sent for the undone one.
  const deleted = page.waitForResponse((r) => r.request().method() === 'DELETE' && new URL(r.url()).pathname === `/api/v1/conversations/${gone}`);
  await list.getByRole('button', { name: 'Actions for Really delete me' }).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  await expect(page.getByRole('status')).toContainText('“Really delete me” deleted.');
  // With the undo notice on screen (if the scan outlasts the window, the DELETE below still proves the rest).
  await expectAccessible(page);
  expect((await deleted).status()).toBe(204);
  await expect(undo).toHaveCount(0);
  expect(deletes).toEqual([`/api/v1/conversations/${gone}`]);

  const headers = { authorization: `Bearer ${tenant.accessToken}` };
  expect((await request.get(`/api/v1/conversations/${kept}`, { headers })).status()).toBe(200);
  expect((await request.get(`/api/v1/conversations/${gone}`, { headers })).status()).toBe(404);
  await expect(list.getByRole('link', { name: 'Keep me after all' })).toBeVisible();
});
