/**
 * Fixtures in the BoxyHQ style: every test makes its own tenant through the API (sign-up), reads
 * email from the file transport, and drives pages through roles and labels.
 */
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export const PASSWORD = 'correct horse battery staple';

export interface Tenant {
  id: string;
  name: string;
  ownerEmail: string;
  ownerName: string;
  accessToken: string;
}

export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Signs up a new owner and tenant through the API. */
export async function createTenant(request: APIRequestContext, name = unique('Org')): Promise<Tenant> {
  const ownerEmail = `${unique('owner')}@example.test`;
  const response = await request.post('/api/v1/auth/signup', { data: { email: ownerEmail, password: PASSWORD, name: 'Olive Owner', tenantName: name } });
  expect(response.status(), await response.text()).toBe(201);
  const body = (await response.json()) as { accessToken: string; tenant: { id: string; name: string } };
  return { id: body.tenant.id, name: body.tenant.name, ownerEmail, ownerName: 'Olive Owner', accessToken: body.accessToken };
}

/** Invites through the API and accepts as a new user, for tests that need a second member. */
export async function addMember(request: APIRequestContext, tenant: Tenant, role: 'admin' | 'member' | 'billing', name = 'Max Member') {
  const email = `${unique(role)}@example.test`;
  const invited = await request.post('/api/v1/invitations', { data: { email, role }, headers: { authorization: `Bearer ${tenant.accessToken}` } });
  expect(invited.status(), await invited.text()).toBe(201);
  const link = await mailLink(email, '/accept-invitation');
  const token = new URL(link).searchParams.get('token')!;
  const accepted = await request.post('/api/v1/invitations/accept', { data: { token, name, password: PASSWORD } });
  expect(accepted.status(), await accepted.text()).toBeLessThan(300);
  return { email, name };
}

/** The first link to `pathname` in the newest email to `to` (waits for the outbox job). */
export async function mailLink(to: string, pathname: string, timeoutMs = 20_000): Promise<string> {
  const dir = process.env.E2E_MAIL_DIR!;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.json'));
    const messages = await Promise.all(
      files.map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as { to: string | string[]; text: string }),
    );
    for (const message of messages.reverse()) {
      const recipients = Array.isArray(message.to) ? message.to : [message.to];
      if (!recipients.some((r) => r.includes(to))) continue;
      const url = message.text.match(new RegExp(`https?://\\S+${pathname.replace(/[/-]/g, '\\$&')}\\S*`))?.[0];
      if (url) return url;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no email to ${to} with a ${pathname} link within ${timeoutMs} ms`);
}

/**
 * Submits the sign-in form. A member of several tenants is then asked which one to open: `tenant`
 * picks it by name, else the preselected one is taken.
 */
async function submitSignIn(page: Page, email: string, password: string, tenant?: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const chooser = page.getByRole('heading', { name: 'Choose a tenant' });
  // Signed in once the form's heading goes: to the page asked for, or to the tenant chooser.
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in', exact: true })).toHaveCount(0);
  if (await chooser.isVisible()) {
    if (tenant) await page.getByRole('radio', { name: new RegExp(tenant) }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
  }
}

export async function signIn(page: Page, email: string, password = PASSWORD, tenant?: string): Promise<void> {
  await page.goto('/login');
  await submitSignIn(page, email, password, tenant);
  await expect(page).not.toHaveURL(/\/login/);
}

/**
 * Opens a page by URL. A full page load drops the in-memory session when the API keeps no refresh
 * cookie: the app then asks to sign in and comes back, which this does.
 */
export async function visit(page: Page, pathname: string, email: string, password = PASSWORD): Promise<void> {
  await page.goto(pathname);
  // Every page has a level-1 heading: once one shows, the app has settled on the page or on sign-in.
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  if (new URL(page.url()).pathname === '/login') {
    await submitSignIn(page, email, password);
    const target = new URL(pathname, 'http://app').pathname;
    await page.waitForURL((url) => url.pathname === target);
  }
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

export const test = base.extend<{ tenant: Tenant }>({
  tenant: async ({ request }, use) => {
    await use(await createTenant(request));
  },
});

export { expect };
