import { expect, PASSWORD, signIn, test, visit } from '../support/fixtures.ts';

test('settings: the organisation’s names and support email are saved, and a bad locale is refused beside its field', async ({ page, request, tenant }) => {
  await visit(page, '/settings', tenant.ownerEmail);
  await page.getByLabel('Display name').fill('Acme Support Desk');
  await page.getByLabel('Support email').fill('help@acme.example');
  await page.getByRole('main').getByLabel('Language').fill('not a tag');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Use a language tag such as en or fr-FR.')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toHaveCount(0);

  await page.getByRole('main').getByLabel('Language').fill('fr');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: /Saved\.|Enregistré/ })).toBeVisible();
  const stored = await request.get('/api/v1/tenant', { headers: { authorization: `Bearer ${tenant.accessToken}` } });
  expect((await stored.json()) as unknown).toMatchObject({ settings: { displayName: 'Acme Support Desk', supportEmail: 'help@acme.example', locale: 'fr' } });
});

test('danger zone: an export is started and its download link works', async ({ page, tenant }) => {
  await visit(page, '/danger-zone', tenant.ownerEmail);
  await expect(page.getByText('No export yet.')).toBeVisible();
  await page.getByRole('button', { name: 'Start an export' }).click();
  const link = page.getByRole('link', { name: 'Download the archive' });
  // The page polls while the export is pending; the worker makes it ready.
  await expect(link).toBeVisible({ timeout: 45_000 });
  const archive = await page.request.get((await link.getAttribute('href'))!);
  expect(archive.status()).toBe(200);
  expect(JSON.stringify(await archive.json())).toContain(tenant.id);
});

test('danger zone: deleting the organisation needs its name typed, then signs everyone out', async ({ page, request, tenant }) => {
  await visit(page, '/danger-zone', tenant.ownerEmail);
  await page.getByRole('button', { name: 'Delete the organisation' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('erased after the grace period');
  const confirm = dialog.getByRole('button', { name: 'Delete the organisation' });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(`Type ${tenant.name} to confirm`).fill(`${tenant.name} nope`);
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(`Type ${tenant.name} to confirm`).fill(tenant.name);
  await confirm.click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  // The owner's other session (from sign-up) no longer reaches the organisation either.
  const after = await request.get('/api/v1/tenant', { headers: { authorization: `Bearer ${tenant.accessToken}` } });
  expect(after.status()).toBeGreaterThanOrEqual(400);
});

test('account: the name is changed, and another session is listed and signed out', async ({ page, request, tenant }) => {
  const other = await request.post('/api/v1/auth/login', {
    data: { email: tenant.ownerEmail, password: PASSWORD },
    headers: { 'user-agent': 'E2E Other Device' },
  });
  expect(other.status()).toBe(200);
  const otherToken = ((await other.json()) as { accessToken: string }).accessToken;

  await visit(page, '/account', tenant.ownerEmail);
  await page.getByLabel('Name').fill('Olivia Owner');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Your account/ })).toContainText('Olivia Owner');

  const sessions = page.getByRole('region', { name: 'Where you are signed in' });
  await expect(sessions.getByRole('cell', { name: /this session/ })).toBeVisible();
  await expect(sessions.getByRole('cell', { name: 'E2E Other Device', exact: true })).toBeVisible();
  await sessions.getByRole('button', { name: /Sign out there E2E Other Device/ }).click();
  await expect(sessions.getByRole('cell', { name: 'E2E Other Device', exact: true })).toHaveCount(0);
  await expect(sessions.getByRole('cell', { name: /this session/ })).toBeVisible();
  expect((await request.get('/api/v1/me', { headers: { authorization: `Bearer ${otherToken}` } })).status()).toBe(401);
});

test('account: the password is changed; the new one signs in, the old one no longer does', async ({ page, browser, tenant }) => {
  const newPassword = 'a brand new passphrase';
  await visit(page, '/account', tenant.ownerEmail);
  await page.getByLabel('Current password').fill('not the password');
  await page.getByLabel('New password').fill(newPassword);
  await page.getByRole('button', { name: 'Change the password' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByText('Password changed.')).toHaveCount(0);

  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change the password' }).click();
  await expect(page.getByText('Password changed.')).toBeVisible();

  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await other.goto('/login');
  await other.getByLabel('Email').fill(tenant.ownerEmail);
  await other.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('alert')).toBeVisible();
  await signIn(other, tenant.ownerEmail, newPassword);
  await expect(other).toHaveURL(/\/overview$/);
  await fresh.close();
});

test('assistant: model and welcome are saved; an empty welcome and a model the provider lacks are refused beside their fields', async ({ page, request, tenant }) => {
  await visit(page, '/assistant', tenant.ownerEmail);
  const welcome = page.getByLabel('Welcome message');
  await welcome.fill('');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('This field is required.')).toBeVisible();

  await welcome.fill('Hello from the test desk!');
  await page.getByLabel('Model').fill('gpt-4o');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(/must be one of mock-1/)).toBeVisible();

  await page.getByLabel('Model').fill('mock-2');
  const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && new URL(r.url()).pathname === '/api/v1/assistant');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  expect((await saved).status()).toBe(200);
  await expect(page.getByText(/must be one of mock-1/)).toHaveCount(0);
  // "Saved." stays after the form starts again from the stored values.
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(page.getByLabel('Model')).toHaveValue('mock-2');
  const stored = await request.get('/api/v1/assistant', { headers: { authorization: `Bearer ${tenant.accessToken}` } });
  expect((await stored.json()) as unknown).toMatchObject({ model: 'mock-2', welcomeMessage: 'Hello from the test desk!' });
  // The form shows what was stored, after a fresh load too.
  await visit(page, '/assistant', tenant.ownerEmail);
  await expect(page.getByLabel('Model')).toHaveValue('mock-2');
  await expect(page.getByLabel('Welcome message')).toHaveValue('Hello from the test desk!');
});
