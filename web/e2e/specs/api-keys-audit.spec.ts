import { readFile } from 'node:fs/promises';
import { expect, test, visit } from '../support/fixtures.ts';

test('an API key is shown once, works, then stops working once revoked', async ({ page, request, tenant }) => {
  await visit(page, '/api-keys', tenant.ownerEmail);
  await page.getByLabel('Name').fill('CI bot');
  await page.getByRole('button', { name: 'Create the key' }).click();
  const secret = (await page.getByTestId('api-key-secret').textContent())!.trim();
  expect(secret).toMatch(/^tnry_/);
  await expect(page.getByText('it is shown only once')).toBeVisible();

  const used = await request.post('/api/v1/conversations', { headers: { 'x-api-key': secret } });
  expect(used.status()).toBe(201);

  await page.getByRole('button', { name: 'I have copied it' }).click();
  await expect(page.getByTestId('api-key-secret')).toHaveCount(0);
  await page.getByRole('button', { name: 'Revoke CI bot' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText('Revoked')).toBeVisible();
  const refused = await request.post('/api/v1/conversations', { headers: { 'x-api-key': secret } });
  expect(refused.status()).toBe(401);
});

test('the audit log filters by action, exports CSV and verifies its chain', async ({ page, request, tenant }) => {
  const auth = { authorization: `Bearer ${tenant.accessToken}` };
  expect((await request.post('/api/v1/invitations', { headers: auth, data: { email: 'audited@example.test', role: 'member' } })).status()).toBe(201);
  await visit(page, '/audit', tenant.ownerEmail);
  await expect(page.getByRole('cell', { name: 'invitation.created' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'auth.login' }).first()).toBeVisible();

  await page.getByLabel('Action').fill('invitation.');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByRole('cell', { name: 'invitation.created' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'auth.login' })).toHaveCount(0);

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const csv = await readFile(await (await download).path(), 'utf8');
  expect(csv.split('\r\n')[0]).toBe('seq,createdAt,actorType,actorId,action,targetType,targetId,ip,data');
  expect(csv).toContain('invitation.created');
  expect(csv).not.toContain('auth.login');

  await page.getByRole('button', { name: 'Verify the chain' }).click();
  await expect(page.getByRole('status')).toContainText('Chain intact');
});
