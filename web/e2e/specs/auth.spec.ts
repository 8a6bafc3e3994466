import { expect, mailLink, PASSWORD, signIn, test, unique } from '../support/fixtures.ts';

test('a visitor signs up and lands on the overview of the new organisation', async ({ page }) => {
  const email = `${unique('new')}@example.test`;
  await page.goto('/signup');
  await page.getByLabel('Name', { exact: true }).fill('Nina New');
  await page.getByLabel('Organisation name').fill('Nina Labs');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create the organisation' }).click();
  await expect(page).toHaveURL(/\/overview$/);
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByTestId('tenant-switcher')).toContainText('Nina Labs');
});

test('sign-in shows a readable error, and field errors beside their fields', async ({ page, tenant }) => {
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Enter a valid email address.')).toBeVisible();
  await page.getByLabel('Email').fill(tenant.ownerEmail);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('That email and password do not match.');
});

test('a page asked for while signed out comes back after sign-in', async ({ page, tenant }) => {
  await page.goto('/audit');
  await expect(page).toHaveURL(/\/login\?redirect=/);
  await page.getByLabel('Email').fill(tenant.ownerEmail);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
});

test('password reset end to end: the emailed link sets a new password that signs in', async ({ page, tenant }) => {
  await page.goto('/forgot-password');
  await page.getByLabel('Email').fill(tenant.ownerEmail);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByRole('status')).toContainText('a link is on its way');
  const link = new URL(await mailLink(tenant.ownerEmail, '/reset-password'));
  await page.goto(`${link.pathname}${link.search}`);
  const next = 'a brand new passphrase 42';
  await page.getByLabel('New password').fill(next);
  await page.getByLabel('Confirm the password').fill(next);
  await page.getByRole('button', { name: 'Save the password' }).click();
  await expect(page.getByRole('status')).toContainText('Your password is saved');
  await signIn(page, tenant.ownerEmail, next);
  await expect(page).toHaveURL(/\/overview$/);
});
