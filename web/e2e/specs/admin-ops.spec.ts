import type { APIRequestContext } from '@playwright/test';
import pg from 'pg';
import { createTenant, expect, expectAccessible, PASSWORD, test, type Tenant, visit } from '../support/fixtures.ts';

/**
 * The platform console's analytics and jobs pages, as a platform admin uses them: the analytics
 * over 7, 30 and 90 days; a real failed job (a conversation title the model refused) listed with
 * its error, retried once the model is back, and gone from the list.
 */

const CONTROL = () => process.env.E2E_CONTROL_URL!;
const TITLE_QUEUE = 'chat-conversation-titles';

/** A platform admin: a new account made one in the database (the flag has no route: operators set it). */
async function platformAdmin(request: APIRequestContext): Promise<{ email: string; token: string }> {
  const account = await createTenant(request);
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    await db.query('update users set is_platform_admin = true where email = $1', [account.ownerEmail]);
  } finally {
    await db.end();
  }
  const login = await request.post('/api/v1/auth/login', { data: { email: account.ownerEmail, password: PASSWORD } });
  expect(login.status(), await login.text()).toBe(200);
  return { email: account.ownerEmail, token: ((await login.json()) as { accessToken: string }).accessToken };
}

/** Makes the echo model refuse (HTTP `status`) or answer (0) the non-streamed completions that titles use. */
async function modelCompletions(request: APIRequestContext, status: number): Promise<void> {
  expect((await request.put(`${CONTROL()}/model/completions-status/${status}`)).status()).toBe(204);
}

/** The tenant's assistant on the echo model, with titles on: each first exchange enqueues a title job. */
async function echoWithTitles(request: APIRequestContext, tenant: Tenant): Promise<void> {
  const answer = await request.patch('/api/v1/assistant', {
    headers: { authorization: `Bearer ${tenant.accessToken}` },
    data: { provider: 'openai_compatible', model: 'echo', baseUrl: process.env.E2E_MODEL_URL, apiKey: 'test-key', autoTitles: true },
  });
  expect(answer.status(), await answer.text()).toBe(200);
}

test('a platform admin reads the analytics over 7, 30 and 90 days', async ({ page, request }) => {
  test.setTimeout(120_000); // axe twice over four charts of 90 days each, on a shared 2-core machine
  const admin = await platformAdmin(request);
  await visit(page, '/admin/analytics', admin.email);

  await expect(page.getByRole('heading', { level: 1, name: 'Analytics' })).toBeVisible();
  const period = page.getByRole('group', { name: 'Period' });
  await expect(period.getByRole('button', { name: '30 days' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('img', { name: 'Sign-ins per day, last 30 days' })).toBeVisible();
  // Every day of the window is in the chart's table, for screen readers.
  await expect(page.getByRole('table', { name: 'Sign-ins per day, last 30 days' }).locator('tbody tr')).toHaveCount(30);

  for (const days of [7, 90]) {
    await period.getByRole('button', { name: `${days} days` }).click();
    await expect(page).toHaveURL(new RegExp(`/admin/analytics\\?days=${days}$`));
    await expect(period.getByRole('button', { name: `${days} days` })).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByRole('table', { name: `New users per day, last ${days} days` }).locator('tbody tr')).toHaveCount(days);
  }
  // This admin's own sign-up and sign-ins are in today's numbers.
  const today = new Date().toISOString().slice(0, 10);
  const signupsToday = page.getByRole('table', { name: 'New users per day, last 90 days' }).getByRole('row', { name: today });
  await expect(signupsToday.getByRole('cell')).not.toHaveText('0');
  await expect(page.getByRole('img', { name: 'Messages per day, last 90 days' })).toHaveAccessibleDescription(/in 90 days/);
  await expectAccessible(page);
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('html')).toHaveClass(/\bdark\b/);
  await expectAccessible(page);
  await page.emulateMedia({ colorScheme: 'light' });

  await page.reload();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  if (new URL(page.url()).pathname === '/login') await visit(page, '/admin/analytics?days=90', admin.email);
  await expect(page.getByRole('group', { name: 'Period' }).getByRole('button', { name: '90 days' })).toHaveAttribute('aria-pressed', 'true');
});

test('a failed job is listed with its error, retried once the cause is fixed, and leaves the list', async ({ page, request, tenant }) => {
  test.setTimeout(90_000);
  const admin = await platformAdmin(request);
  const asAdmin = { authorization: `Bearer ${admin.token}` };
  const asOwner = { authorization: `Bearer ${tenant.accessToken}` };
  await echoWithTitles(request, tenant);
  await modelCompletions(request, 401); // a refused key: the title job fails for good at its first attempt
  let conversationId: string;
  try {
    conversationId = ((await (await request.post('/api/v1/conversations', { headers: asOwner })).json()) as { id: string }).id;
    const sent = await request.post(`/api/v1/conversations/${conversationId}/messages`, { headers: { ...asOwner, accept: 'text/event-stream' }, data: { content: 'plan the offsite' } });
    expect(sent.status(), await sent.text()).toBe(200);
    await expect
      .poll(async () => {
        const failed = (await (await request.get(`/api/v1/admin/jobs/failed?queue=${TITLE_QUEUE}`, { headers: asAdmin })).json()) as { data: Array<{ tenantId: string }> };
        return failed.data.some((job) => job.tenantId === tenant.id);
      }, { timeout: 20_000 })
      .toBe(true);
  } finally {
    await modelCompletions(request, 0); // the model is back
  }

  const titleOf = async () => ((await (await request.get(`/api/v1/conversations/${conversationId}`, { headers: asOwner })).json()) as { title: string | null }).title;
  const placeholder = await titleOf(); // the first message's words, until the model writes a title

  await visit(page, `/admin/jobs?queue=${TITLE_QUEUE}`, admin.email);
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
  const queues = page.getByRole('group', { name: 'Queues' });
  await expect(queues.getByRole('button', { name: new RegExp(`^${TITLE_QUEUE}`) })).toHaveAttribute('aria-pressed', 'true');
  const table = page.getByRole('table', { name: `Failed jobs in ${TITLE_QUEUE}` });
  const row = table.getByRole('row').filter({ has: page.getByRole('link', { name: tenant.id.slice(0, 8) }) });
  await expect(row).toContainText('provider_failed: provider answered HTTP 401');
  await expect(row).toContainText('1 of 4');
  await row.getByRole('button', { name: 'Show the stack' }).click();
  await expect(page.getByText(/UnrecoverableError: provider_failed/)).toBeVisible();
  await expectAccessible(page);
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('html')).toHaveClass(/\bdark\b/);
  await expectAccessible(page);

  await row.getByRole('button', { name: /^Retry chat\.conversation-title/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'chat.conversation-title is queued again.' })).toBeVisible();
  await expect(row).toHaveCount(0);

  // The retried job ran to the end: the conversation has the title the model wrote.
  await expect.poll(titleOf, { timeout: 20_000 }).not.toBe(placeholder);
});

test('"Retry all" asks first, then puts every failed job of the queue back', async ({ page, request }) => {
  test.setTimeout(90_000);
  const admin = await platformAdmin(request);
  const asAdmin = { authorization: `Bearer ${admin.token}` };
  const tenants = [await createTenant(request), await createTenant(request)];
  await modelCompletions(request, 401);
  try {
    for (const tenant of tenants) {
      await echoWithTitles(request, tenant);
      const asOwner = { authorization: `Bearer ${tenant.accessToken}` };
      const { id } = (await (await request.post('/api/v1/conversations', { headers: asOwner })).json()) as { id: string };
      expect((await request.post(`/api/v1/conversations/${id}/messages`, { headers: { ...asOwner, accept: 'text/event-stream' }, data: { content: 'hello' } })).status()).toBe(200);
    }
    await expect
      .poll(async () => {
        const failed = (await (await request.get(`/api/v1/admin/jobs/failed?queue=${TITLE_QUEUE}`, { headers: asAdmin })).json()) as { data: Array<{ tenantId: string }> };
        return tenants.every((t) => failed.data.some((job) => job.tenantId === t.id));
      }, { timeout: 20_000 })
      .toBe(true);
  } finally {
    await modelCompletions(request, 0);
  }

  await visit(page, `/admin/jobs?queue=${TITLE_QUEUE}`, admin.email);
  const card = page.getByRole('region', { name: `Failed jobs in ${TITLE_QUEUE}` });
  await card.getByRole('button', { name: 'Retry all' }).click();
  const dialog = page.getByRole('dialog', { name: `Retry every failed job of ${TITLE_QUEUE}?` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Retry all' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: /jobs queued again/ })).toBeVisible();
  await expect(page.getByText('No failed job in this queue.')).toBeVisible();
  await expect(page.getByRole('group', { name: 'Queues' }).getByRole('button', { name: new RegExp(`^${TITLE_QUEUE}`) })).toContainText('none failed');
});
