import { expect, test, visit } from '../support/fixtures.ts';

test('chat: a streamed reply in markdown, regenerate, rename and delete', async ({ page, tenant }) => {
  await visit(page, '/conversations', tenant.ownerEmail);
  await page.getByRole('button', { name: 'New conversation', exact: true }).click();
  await expect(page).toHaveURL(/\/conversations\/[0-9a-f-]{36}$/);
  const composer = page.getByLabel('Message');
  await composer.fill('hello **world**');
  await composer.press('Enter');
  // The built-in model answers with the welcome and the message reversed.
  // Rendered as markdown: the echoed **world** is bold.
  await expect(page.getByText(/You said: 'hello/).first()).toBeVisible();
  await expect(page.locator('strong', { hasText: 'world' }).first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Regenerate' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Stop' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Regenerate' }).click();
  await expect(page.getByRole('button', { name: 'Regenerate' })).toBeVisible();
  await expect(page.getByText(/You said: 'hello/).first()).toBeVisible();

  // The list shows the first message as the title until someone renames it.
  const list = page.getByRole('navigation', { name: 'Conversations' });
  await expect(list.getByRole('link', { name: 'hello **world**' })).toBeVisible();
  await list.getByRole('button', { name: /Actions for/ }).click();
  await page.getByRole('menuitem', { name: 'Rename' }).click();
  await page.getByRole('dialog').getByLabel('Title').fill('Greetings');
  await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
  await expect(list.getByRole('link', { name: 'Greetings' })).toBeVisible();

  await list.getByRole('button', { name: 'Actions for Greetings' }).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  await expect(page.getByRole('status').filter({ hasText: '“Greetings” deleted.' })).toBeVisible();
  await expect(list.getByRole('link', { name: 'Greetings' })).toHaveCount(0);
  await expect(page).toHaveURL(/\/conversations$/);
});

test('chat: the search filters the conversation list', async ({ page, request, tenant }) => {
  const auth = { authorization: `Bearer ${tenant.accessToken}` };
  for (const content of ['alpha question', 'beta question']) {
    const { id } = (await (await request.post('/api/v1/conversations', { headers: auth })).json()) as { id: string };
    expect((await request.post(`/api/v1/conversations/${id}/messages`, { headers: auth, data: { content } })).status()).toBe(200);
  }
  await visit(page, '/conversations', tenant.ownerEmail);
  const list = page.getByRole('navigation', { name: 'Conversations' });
  await expect(list.getByRole('link')).toHaveCount(2);
  await page.getByRole('searchbox', { name: 'Search conversations' }).fill('beta');
  await expect(list.getByRole('link')).toHaveCount(1);
  await expect(list.getByRole('link', { name: 'beta question' })).toBeVisible();
});

test('chat: a refresh in the middle of a reply still shows the whole reply', async ({ page, request, tenant }) => {
  const auth = { authorization: `Bearer ${tenant.accessToken}` };
  const { id } = (await (await request.post('/api/v1/conversations', { headers: auth })).json()) as { id: string };
  await visit(page, `/conversations/${id}`, tenant.ownerEmail);
  await page.getByLabel('Message').fill('survive a reload');
  await page.getByLabel('Message').press('Enter');
  await page.reload();
  await visit(page, `/conversations/${id}`, tenant.ownerEmail);
  await expect(page.getByText("You said: 'survive a reload'").first()).toBeVisible();
});
