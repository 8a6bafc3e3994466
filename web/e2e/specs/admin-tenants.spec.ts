import type { APIRequestContext } from '@playwright/test';
import pg from 'pg';
import { createTenant, expect, expectAccessible, PASSWORD, signIn, test, unique, visit } from '../support/fixtures.ts';

/**
 * The platform console's tenants: a platform admin searches, suspends with a reason (the tenant
 * sees its banner), resumes, re-plans and creates tenants; a tenant member gets no console.
 * Platform admins are a flag on the user that no API sets: the tests set it in the database.
 */

async function sql(text: string, values: unknown[]): Promise<void> {
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    await db.query(text, values);
  } finally {
    await db.end();
  }
}

/**
 * A platform admin: signed up (which makes a tenant), flagged, and, unless `member`, taken out of
 * that tenant, so that signing in opens a platform session.
 */
async function platformAdmin(request: APIRequestContext, options: { member?: boolean } = {}) {
  const own = await createTenant(request, unique('Staff'));
  await sql('update users set is_platform_admin = true where email = $1', [own.ownerEmail]);
  if (!options.member) await sql('delete from memberships where tenant_id = $1', [own.id]);
  return { email: own.ownerEmail, tenant: own };
}

test('a platform admin finds a tenant, suspends it with a reason (its members see the banner), resumes it and changes its plan', async ({ page, browser, request, tenant }) => {
  const admin = await platformAdmin(request);
  await signIn(page, admin.email);
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { name: 'Tenants', level: 1 })).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel('Search tenants').fill(tenant.name);
  await expect(page).toHaveURL(new RegExp(`q=${tenant.name}`));
  await expect(page.getByRole('link', { name: tenant.name })).toBeVisible();
  await expect(page.getByRole('row')).toHaveCount(2); // the header and the one match
  await page.getByRole('link', { name: tenant.name }).click();
  await expect(page.getByRole('heading', { name: tenant.name, level: 1 })).toBeVisible();
  await expect(page.getByRole('region', { name: `Members of ${tenant.name}` }).getByRole('cell', { name: tenant.ownerEmail, exact: true })).toBeVisible();

  // Suspend: no reason, no suspension.
  await page.getByRole('button', { name: 'Suspend', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Suspend the tenant' }).click();
  await expect(dialog.getByText('Give a reason: it goes into the tenant’s audit log.')).toBeVisible();
  await dialog.getByLabel('Reason').fill('Chargeback under review');
  await dialog.getByRole('button', { name: 'Suspend the tenant' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Suspended since' })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: 'tenant.suspended' })).toContainText('Chargeback under review');
  await expectAccessible(page);

  // The tenant's owner, elsewhere, sees why nothing works.
  const elsewhere = await browser.newContext();
  const member = await elsewhere.newPage();
  await signIn(member, tenant.ownerEmail);
  // The banner (the page's own request, refused with tenant_suspended, may show its error beside it).
  await expect(member.getByRole('alert').filter({ hasText: 'This organisation is suspended: only its data export' })).toBeVisible();
  await elsewhere.close();

  // The list filters by status.
  await page.getByRole('link', { name: '← All tenants' }).click();
  await page.getByLabel('Status').selectOption('suspended');
  await expect(page).toHaveURL(/status=suspended/);
  await page.getByLabel('Search tenants').fill(tenant.name);
  await expect(page.getByRole('row').filter({ hasText: tenant.name })).toContainText('Suspended');
  await page.getByRole('link', { name: tenant.name }).click();

  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await page.getByRole('dialog').getByLabel('Reason').fill('Chargeback withdrawn');
  await page.getByRole('dialog').getByRole('button', { name: 'Resume the tenant' }).click();
  await expect(page.getByRole('button', { name: 'Suspend', exact: true })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: 'tenant.resumed' })).toContainText('Chargeback withdrawn');

  await page.getByRole('button', { name: 'Change plan' }).click();
  await page.getByRole('dialog').getByLabel('New plan').selectOption('pro');
  await page.getByRole('dialog').getByLabel('Reason').fill('Sales-led upgrade');
  await page.getByRole('dialog').getByRole('button', { name: 'Change the plan' }).click();
  await expect(page.getByText('Plan: pro')).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: 'tenant.plan_changed' })).toContainText('Sales-led upgrade');
});

test('a platform admin creates a tenant with its owner; a taken slug is said beside the field', async ({ page, request }) => {
  const admin = await platformAdmin(request);
  const name = unique('Created');
  const slug = name.toLowerCase();
  const ownerEmail = `${unique('new-owner')}@example.test`;
  await signIn(page, admin.email);

  await page.getByRole('button', { name: 'Create tenant' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Create tenant' }).click();
  await expect(dialog.getByText('This field is required.')).toBeVisible();
  await expect(dialog.getByText('Enter a valid email address.')).toBeVisible();
  await expectAccessible(page);
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Slug').fill(slug);
  await dialog.getByLabel('Plan').selectOption('pro');
  await dialog.getByLabel('Owner’s email').fill(ownerEmail);
  await dialog.getByRole('button', { name: 'Create tenant' }).click();
  await expect(dialog.getByRole('status')).toContainText(`Created ${name} (${slug}). ${ownerEmail} was sent a link to set a password.`);
  await dialog.getByRole('link', { name: `Open ${name}` }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await expect(page.getByText('Plan: pro')).toBeVisible();
  await expect(page.getByRole('cell', { name: ownerEmail, exact: true })).toBeVisible();

  await page.getByRole('link', { name: '← All tenants' }).click();
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await dialog.getByLabel('Name').fill(`${name} again`);
  await dialog.getByLabel('Slug').fill(slug);
  await dialog.getByLabel('Owner’s email').fill(ownerEmail);
  await dialog.getByRole('button', { name: 'Create tenant' }).click();
  await expect(dialog.getByText('This slug is taken.')).toBeVisible();
  await expect(dialog.getByLabel('Slug')).toHaveAttribute('aria-invalid', 'true');
});

test('deleting asks for the slug; the tenant then shows its scheduled deletion', async ({ page, request }) => {
  const admin = await platformAdmin(request);
  const doomed = await createTenant(request, unique('Doomed'));
  await signIn(page, admin.email);
  await page.getByLabel('Search tenants').fill(doomed.name);
  await page.getByRole('link', { name: doomed.name }).click();
  const slug = (await page.getByTestId('tenant-slug').textContent())!.trim();

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Reason').fill('Customer asked to close the account');
  await expect(dialog.getByRole('button', { name: 'Delete the tenant' })).toBeDisabled();
  await dialog.getByLabel(`Type ${slug} to confirm`).fill(slug);
  await dialog.getByRole('button', { name: 'Delete the tenant' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Deletion scheduled' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Resume', exact: true })).toBeVisible();
});

test('a tenant member sees no console: no console navigation, and /admin says "No access"', async ({ page, tenant }) => {
  await signIn(page, tenant.ownerEmail);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Members' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Tenants' })).toHaveCount(0);
  await expect(nav.getByRole('heading', { name: 'Platform console' })).toHaveCount(0);
  await page.getByTestId('tenant-switcher').click();
  await expect(page.getByRole('menuitem', { name: 'Platform console' })).toHaveCount(0);
  await page.keyboard.press('Escape');

  for (const path of ['/admin', '/admin/tenants/00000000-0000-4000-8000-000000000000']) {
    await visit(page, path, tenant.ownerEmail);
    await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
    await expect(page.getByText('This page belongs to the platform console')).toBeVisible();
  }
  await expectAccessible(page);
});

test('a platform admin who is also a member moves from the tenant to the console and back', async ({ page, request }) => {
  const admin = await platformAdmin(request, { member: true });
  await signIn(page, admin.email);
  await expect(page).toHaveURL(/\/overview$/);
  await expect(page.getByTestId('tenant-switcher')).toContainText(admin.tenant.name);

  await page.getByTestId('tenant-switcher').click();
  await page.getByRole('menuitem', { name: 'Platform console' }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { name: 'Tenants', level: 1 })).toBeVisible();
  await expect(page.getByTestId('tenant-switcher')).toContainText('Platform console');
  // A platform session has no tenant: the tenant's pages are not in the navigation.
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' })).toHaveCount(0);

  await page.getByTestId('tenant-switcher').click();
  await page.getByRole('menuitem', { name: new RegExp(admin.tenant.name) }).click();
  await expect(page).toHaveURL(/\/overview$/);
  await expect(page.getByTestId('tenant-switcher')).toContainText(admin.tenant.name);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' })).toBeVisible();
});

test('the tenants list pages through matches with next and previous, keeping the search in the URL', async ({ page, request }) => {
  const admin = await platformAdmin(request);
  const signedIn = await request.post('/api/v1/auth/login', { data: { email: admin.email, password: PASSWORD } });
  expect(signedIn.status()).toBe(200);
  const headers = { authorization: `Bearer ${((await signedIn.json()) as { accessToken: string }).accessToken}` };
  const marker = unique('paged');
  // One more than a page (20), through the admin API.
  for (let i = 0; i < 21; i++) {
    const made = await request.post('/api/v1/admin/tenants', { headers, data: { name: `${marker} ${String(i).padStart(2, '0')}`, ownerEmail: `${marker}-${i}@example.test` } });
    expect(made.status(), await made.text()).toBe(201);
  }
  await signIn(page, admin.email);

  await page.getByLabel('Search tenants').fill(marker);
  await expect(page).toHaveURL(new RegExp(`q=${marker}`));
  const rows = page.getByRole('table').getByRole('row');
  await expect(rows).toHaveCount(21); // the header and 20 tenants, newest first
  await expect(rows.nth(1)).toContainText(`${marker} 20`);
  await expect(page.getByRole('button', { name: 'Previous page' })).toBeDisabled();

  await page.getByRole('button', { name: 'Next page' }).click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText(`${marker} 00`);
  await expect(page.getByRole('button', { name: 'Next page' })).toBeDisabled();

  await page.getByRole('button', { name: 'Previous page' }).click();
  await expect(rows).toHaveCount(21);
  await expect(page).not.toHaveURL(/cursor=/);
  await expect(page).toHaveURL(new RegExp(`q=${marker}`));
});
