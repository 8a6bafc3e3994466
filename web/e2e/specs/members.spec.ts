import { addMember, createTenant, expect, mailLink, PASSWORD, signIn, test, unique, visit } from '../support/fixtures.ts';

test('an admin invites; a new user accepts from the email and lands in the organisation', async ({ page, browser, tenant }) => {
  await signIn(page, tenant.ownerEmail);
  await page.getByRole('link', { name: 'Invitations' }).click();
  const email = `${unique('invitee')}@example.test`;
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role').selectOption('member');
  await page.getByRole('button', { name: 'Send the invitation' }).click();
  await expect(page.getByRole('status')).toContainText(`Invitation sent to ${email}`);
  await expect(page.getByRole('cell', { name: email, exact: true })).toBeVisible();

  const link = await mailLink(email, '/accept-invitation');
  const other = await browser.newContext();
  const invitee = await other.newPage();
  await invitee.goto(link);
  await invitee.getByLabel('Email').fill(email);
  await invitee.getByLabel('Name').fill('Ivy Invitee');
  await invitee.getByLabel('Password').fill(PASSWORD);
  await invitee.getByRole('button', { name: 'Accept the invitation' }).click();
  await expect(invitee).toHaveURL(/\/overview$/);
  await expect(invitee.getByTestId('tenant-switcher')).toContainText(tenant.name);
  await other.close();
});

test('an existing user accepts an invitation with the password of the account', async ({ page, request, tenant }) => {
  const other = await createTenant(request);
  const invited = await request.post('/api/v1/invitations', {
    data: { email: other.ownerEmail, role: 'admin' },
    headers: { authorization: `Bearer ${tenant.accessToken}` },
  });
  expect(invited.status()).toBe(201);
  const link = new URL(await mailLink(other.ownerEmail, '/accept-invitation'));
  await page.goto(`${link.pathname}${link.search}`);
  await page.getByRole('radio', { name: 'I have an account' }).click();
  await page.getByLabel('Email').fill(other.ownerEmail);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Accept the invitation' }).click();
  await expect(page).toHaveURL(/\/overview$/);
  await expect(page.getByTestId('tenant-switcher')).toContainText(tenant.name);
});

test('a member sees no admin pages, and a direct URL says "No access"', async ({ page, request, tenant }) => {
  const member = await addMember(request, tenant, 'member');
  await signIn(page, member.email);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Chat' })).toBeVisible();
  for (const name of ['Members', 'Invitations', 'API keys', 'Assistant', 'Billing', 'Audit log', 'Settings', 'Danger zone']) {
    await expect(nav.getByRole('link', { name })).toHaveCount(0);
  }
  for (const path of ['/members', '/api-keys', '/audit', '/settings']) {
    await visit(page, path, member.email);
    await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
  }
});

test('members: the last owner cannot be demoted; an admin is promoted and removed', async ({ page, request, tenant }) => {
  const admin = await addMember(request, tenant, 'admin', 'Ada Admin');
  await visit(page, '/members', tenant.ownerEmail);
  await expect(page.getByLabel(`Role of ${tenant.ownerName}`)).toBeDisabled();
  await page.getByLabel('Role of Ada Admin').selectOption('billing');
  await visit(page, '/members', tenant.ownerEmail);
  await expect(page.getByLabel('Role of Ada Admin')).toHaveValue('billing');
  await page.getByRole('button', { name: 'Remove Ada Admin' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByRole('cell', { name: admin.email, exact: true })).toHaveCount(0);
});

test('a tenant switch leaves none of the previous organisation’s data on screen', async ({ page, request, tenant }) => {
  const second = await createTenant(request, unique('Second'));
  // The owner of the first tenant joins the second as an admin.
  const invited = await request.post('/api/v1/invitations', { data: { email: tenant.ownerEmail, role: 'admin' }, headers: { authorization: `Bearer ${second.accessToken}` } });
  expect(invited.status()).toBe(201);
  const token = new URL(await mailLink(tenant.ownerEmail, '/accept-invitation')).searchParams.get('token')!;
  expect((await request.post('/api/v1/invitations/accept', { data: { token, password: PASSWORD } })).status()).toBeLessThan(300);
  const marker = unique('only-in-first');
  const invitedFirst = await request.post('/api/v1/invitations', { data: { email: `${marker}@example.test`, role: 'member' }, headers: { authorization: `Bearer ${tenant.accessToken}` } });
  expect(invitedFirst.status()).toBe(201);

  await visit(page, '/invitations', tenant.ownerEmail);
  await expect(page.getByRole('cell', { name: `${marker}@example.test`, exact: true })).toBeVisible();
  await page.getByTestId('tenant-switcher').click();
  await page.getByRole('menuitem', { name: new RegExp(second.name) }).click();
  await expect(page).toHaveURL(/\/overview$/);
  await expect(page.getByTestId('tenant-switcher')).toContainText(second.name);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invitations' }).click();
  await expect(page.getByRole('heading', { name: 'Invitations', exact: true })).toBeVisible();
  await expect(page.getByText('No pending invitation.')).toBeVisible();
  await expect(page.getByText(marker)).toHaveCount(0);
});
