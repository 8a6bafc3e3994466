import pg from 'pg';
import { expect, test, visit } from '../support/fixtures.ts';

test('checkout through the fake Stripe, then the webhook, then the new plan shown', async ({ page, request, tenant }) => {
  await visit(page, '/billing', tenant.ownerEmail);
  await expect(page.getByTestId('current-plan')).toHaveText('Free');
  // Stripe's hosted page: the test plays it, sending the browser back as Stripe would.
  let sessionId = '';
  const origin = new URL(page.url()).origin;
  await page.route('https://checkout.stripe.test/**', async (route) => {
    sessionId = new URL(route.request().url()).pathname.split('/').pop()!;
    await route.fulfill({ status: 302, headers: { location: `${origin}/billing?checkout=success&session_id=${sessionId}` } });
  });
  await page.getByRole('button', { name: 'Upgrade to Pro' }).click();
  await page.waitForURL(/checkout=success/);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  // The page waits for the webhook; the redirect without a session in memory asks to sign in first.
  if (new URL(page.url()).pathname === '/login') await visit(page, '/billing?checkout=success', tenant.ownerEmail);
  const webhook = await request.post(`${process.env.E2E_CONTROL_URL}/checkout/${sessionId}`);
  expect(webhook.status(), await webhook.text()).toBe(200);
  await expect(page.getByRole('status').filter({ hasText: 'now on the pro plan' })).toBeVisible();
  await expect(page.getByTestId('current-plan')).toHaveText('Pro');
});

test('a suspended tenant’s members see the banner on every page', async ({ page, tenant }) => {
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    // The platform console (issue 12) suspends through the admin API; here the row is set directly.
    await db.query("UPDATE tenants SET status = 'suspended', suspended_at = now() WHERE id = $1", [tenant.id]);
  } finally {
    await db.end();
  }
  await visit(page, '/overview', tenant.ownerEmail);
  // The banner; the overview's own requests are refused (tenant_suspended) and may show their error beside it.
  await expect(page.getByRole('alert').filter({ hasText: 'This organisation is suspended: only its data export' })).toBeVisible();
});
