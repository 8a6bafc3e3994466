import type { APIRequestContext, Page } from '@playwright/test';
import { expect, test, type Tenant, visit } from '../support/fixtures.ts';

/** Points the tenant's assistant at the echo model of the global setup (it repeats its system prompt). */
async function useEchoModel(request: APIRequestContext, tenant: Tenant): Promise<void> {
  const answer = await request.patch('/api/v1/assistant', {
    headers: { authorization: `Bearer ${tenant.accessToken}` },
    data: { provider: 'openai_compatible', model: 'echo', baseUrl: process.env.E2E_MODEL_URL, apiKey: 'test-key' },
  });
  expect(answer.status(), await answer.text()).toBe(200);
}

async function ask(page: Page, message: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click();
  await page.getByRole('button', { name: 'New conversation', exact: true }).click();
  await expect(page).toHaveURL(/\/conversations\/[0-9a-f-]{36}$/);
  await page.getByLabel('Message').fill(message);
  await page.getByLabel('Message').press('Enter');
}

test('a prompt published, then rolled back, and the change seen in chat', async ({ page, request, tenant }) => {
  await useEchoModel(request, tenant);
  await visit(page, '/prompts', tenant.ownerEmail);
  for (const template of ['You are Alpha.', 'You are Beta.']) {
    await page.getByLabel('System prompt').fill(template);
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await expect(page.getByText(template, { exact: true })).toBeVisible();
  }
  await page.getByRole('button', { name: 'Publish version 2' }).click();
  await expect(page.getByRole('region', { name: 'Version 2' }).getByText('Published')).toBeVisible();
  await ask(page, 'who are you');
  await expect(page.getByText('[system: You are Beta.]').first()).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Prompt versions' }).click();
  await page.getByRole('region', { name: 'Version 1' }).getByRole('button', { name: 'Compare with published' }).click();
  await expect(page.getByLabel('Changes from version 2')).toContainText('You are Alpha.');
  await page.getByRole('button', { name: 'Roll back to version 1' }).click();
  await expect(page.getByRole('region', { name: 'Version 1' }).getByText('Published')).toBeVisible();
  await ask(page, 'who are you now');
  await expect(page.getByText('[system: You are Alpha.]').first()).toBeVisible();
});

test('stop ends a streaming reply where it is, on the server too, and the stored reply says it was stopped', async ({ page, request, tenant }) => {
  await useEchoModel(request, tenant);
  await visit(page, '/conversations', tenant.ownerEmail);
  await ask(page, 'answer slowly please');
  const live = page.getByTestId('live-reply');
  await expect(live).toContainText('word3');
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByRole('button', { name: 'Stop' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
  await expect(page.getByText('word3').first()).toBeVisible();
  await expect(page.getByText('Stopped before the end.')).toBeVisible();
  // The model streams 200 words; the stop came long before the last ones, and the server stopped
  // generating (a reply runs on without its page: only Stop ends it). After a reload, the same.
  await expect(page.getByText('word199')).toHaveCount(0);
  await page.reload();
  await expect(page.getByText('word3').first()).toBeVisible();
  await expect(page.getByText('Stopped before the end.')).toBeVisible();
  await expect(page.getByText('word199')).toHaveCount(0);
});
