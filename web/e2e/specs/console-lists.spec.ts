import pg from 'pg';
import { createTenant, expect, expectAccessible, mailLink, PASSWORD, signIn, test, unique, visit } from '../support/fixtures.ts';

test('a member of two tenants chooses one after signing in, and the last one used is preselected next time', async ({ page, request, tenant }) => {
  const second = await createTenant(request, unique('Second'));
  const invited = await request.post('/api/v1/invitations', { data: { email: tenant.ownerEmail, role: 'admin' }, headers: { authorization: `Bearer ${second.accessToken}` } });
  expect(invited.status()).toBe(201);
  const token = new URL(await mailLink(tenant.ownerEmail, '/accept-invitation')).searchParams.get('token')!;
  expect((await request.post('/api/v1/invitations/accept', { data: { token, password: PASSWORD } })).status()).toBeLessThan(300);

  await page.goto('/login');
  await page.getByLabel('Email').fill(tenant.ownerEmail);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Choose a tenant' })).toBeVisible();
  await expect(page.getByRole('radio')).toHaveCount(2);
  await expectAccessible(page);
  await expect(page.getByRole('radio', { name: new RegExp(`${tenant.name}.*Owner`) })).toBeChecked();
  await page.getByRole('radio', { name: new RegExp(`${second.name}.*Admin`) }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/overview$/);
  await expect(page.getByTestId('tenant-switcher')).toContainText(second.name);

  // Signed out and in again: the second tenant, used last, is preselected.
  await page.getByRole('button', { name: /Your account/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('Email').fill(tenant.ownerEmail);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('radio', { name: new RegExp(second.name) })).toBeChecked();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByTestId('tenant-switcher')).toContainText(second.name);

  // The header's switcher goes back to the first, which is then the one preselected.
  await page.getByTestId('tenant-switcher').click();
  await page.getByRole('menuitem', { name: new RegExp(tenant.name) }).click();
  await expect(page.getByTestId('tenant-switcher')).toContainText(tenant.name);
  await page.getByRole('button', { name: /Your account/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await signIn(page, tenant.ownerEmail);
  await expect(page.getByTestId('tenant-switcher')).toContainText(tenant.name);
});

test('members: a page at a time, with "Load more" until the last one, and a search by the server', async ({ page, tenant }) => {
  // 30 members besides the owner, written directly (inviting 30 people through email would only be slower).
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    await db.query('BEGIN');
    await db.query("SELECT set_config('app.tenant_id', $1, true)", [tenant.id]);
    for (let i = 0; i < 30; i++) {
      const email = `${unique(`paged${String(i).padStart(2, '0')}`)}@example.test`;
      const { rows } = await db.query<{ id: string }>('INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id', [email, `Paged Member ${String(i).padStart(2, '0')}`]);
      await db.query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'member')", [tenant.id, rows[0]!.id]);
    }
    await db.query('COMMIT');
  } finally {
    await db.end();
  }

  await visit(page, '/members', tenant.ownerEmail);
  const table = page.getByRole('region', { name: 'Members', exact: true });
  // Newest first, 25 a page: the owner, who joined first, is on the second page.
  await expect(table.getByRole('row')).toHaveCount(1 + 25);
  await expect(table.getByRole('cell', { name: tenant.ownerEmail })).toHaveCount(0);
  // The server searches: it finds a member on the page not loaded yet.
  const search = page.getByRole('searchbox', { name: 'Search by name or email' });
  await search.fill('paged member 03');
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByRole('cell', { name: 'Paged Member 03', exact: true })).toBeVisible();
  await search.fill('');
  await expect(table.getByRole('row')).toHaveCount(1 + 25);
  await page.getByRole('button', { name: 'Load more' }).click();
  await expect(table.getByRole('row')).toHaveCount(1 + 31);
  await expect(table.getByRole('cell', { name: tenant.ownerEmail })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Load more' })).toHaveCount(0);
  await search.fill('Paged Member 07');
  await expect(table.getByRole('row')).toHaveCount(2);
});
