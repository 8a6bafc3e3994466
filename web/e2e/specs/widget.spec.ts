/**
 * The embeddable widget (widget.js) as visitors meet it: on a tenant's own website (another origin,
 * E2E_HOST_URL, served by global-setup), on the seed demo page, and in the assistant page's preview.
 */
import AxeBuilder from '@axe-core/playwright';
import pg from 'pg';
import type { APIRequestContext, Page } from '@playwright/test';
import { BASE_URL } from '../playwright.config.ts';
import { createTenant, expect, expectAccessible, test, type Tenant, visit } from '../support/fixtures.ts';

const HOST = process.env.E2E_HOST_URL!;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A tenant whose widget is on (mock-1, which reverses what it is told), with these allowed origins. */
async function widgetTenant(request: APIRequestContext, allowedOrigins: string[]): Promise<Tenant & { slug: string; welcome: string }> {
  const tenant = await createTenant(request);
  const auth = { authorization: `Bearer ${tenant.accessToken}` };
  const me = await request.get('/api/v1/me', { headers: auth });
  const slug = ((await me.json()) as { tenant: { slug: string } }).tenant.slug;
  const welcome = `Welcome to ${tenant.name}!`;
  const patched = await request.patch('/api/v1/assistant', { headers: auth, data: { widgetEnabled: true, model: 'mock-1', welcomeMessage: welcome, allowedOrigins } });
  expect(patched.status(), await patched.text()).toBe(200);
  return { ...tenant, slug, welcome };
}

const hostPage = (slug: string, extra = '') => `${HOST}/?tenant=${slug}${extra}`;
const launcher = (page: Page) => page.getByRole('button', { name: /^(Open chat|Chat with )/ });
const messageBox = (page: Page) => page.getByRole('textbox', { name: 'Your message' });

/** What the widget keeps in the visitor's storage on the current page's origin. */
const storedWidgetKeys = (page: Page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tenantry-widget:')));

test('a visitor chats with the widget on the tenant’s own website, and the conversation survives a reload', async ({ page, request }) => {
  const tenant = await widgetTenant(request, [HOST]);
  let sessionsStarted = 0;
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url() === `${BASE_URL}/session`) sessionsStarted++;
  });

  await page.goto(hostPage(tenant.slug));
  await launcher(page).click();
  const log = page.getByRole('log');
  await expect(log).toContainText(tenant.welcome);
  await expect(messageBox(page)).toBeFocused();
  await messageBox(page).fill('hello there');
  await messageBox(page).press('Enter');
  await expect(log).toContainText("Here's it reversed: 'ereht olleh'");

  // The seed demo's contract: a UUID session id, kept per API origin and tenant.
  const stored = await page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null') as { sessionId: string } | null, `tenantry-widget:v1:${BASE_URL}:${tenant.slug}`);
  expect(stored?.sessionId).toMatch(UUID);

  await page.reload();
  await launcher(page).click();
  await expect(page.getByRole('log')).toContainText("'ereht olleh'");
  await messageBox(page).fill('again');
  await messageBox(page).press('Enter');
  await expect(page.getByRole('log')).toContainText("'niaga'");
  expect(sessionsStarted).toBe(1);
});

test('a website not on the tenant’s list is refused, and the widget stores nothing', async ({ page, request }) => {
  const tenant = await widgetTenant(request, ['https://shop.example']);
  await page.goto(hostPage(tenant.slug));
  // The refusal (403) carries no CORS header: the browser hides it from the widget, as a network failure.
  const refused = page.waitForEvent('requestfailed', (r) => r.url() === `${BASE_URL}/session` && r.method() === 'POST');
  await launcher(page).click();
  await refused;
  await expect(page.getByRole('alert')).toContainText('Could not reach the assistant');
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
  expect(await storedWidgetKeys(page)).toEqual([]);
  // What the browser was told, as the API answers that page's origin.
  const answer = await request.post('/session', { headers: { origin: HOST }, data: { tenant_id: tenant.slug } });
  expect(answer.status()).toBe(403);
  expect(await answer.json()).toEqual({ detail: 'Origin not allowed' });
});

test('past the tenant’s limit, the widget says how long to wait', async ({ page, request }) => {
  const tenant = await widgetTenant(request, [HOST]);
  // One widget message in any 10 s (limits.chat_per_10s, as tenants.jsonl sets it), set before the widget's first call.
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    await db.query(`UPDATE tenants SET limit_overrides = '{"chat_per_10s": 1}' WHERE id = $1`, [tenant.id]);
  } finally {
    await db.end();
  }
  await page.goto(hostPage(tenant.slug));
  await launcher(page).click();
  await expect(page.getByRole('log')).toContainText(tenant.welcome);
  await messageBox(page).fill('one');
  await messageBox(page).press('Enter');
  await expect(page.getByRole('log')).toContainText("'eno'");
  await messageBox(page).fill('two');
  await messageBox(page).press('Enter');
  await expect(page.getByRole('alert')).toContainText(/Too many messages right now\. Please try again in \d+ s\./);
  await expect(page.getByRole('button', { name: 'Try again' })).toBeDisabled();
  await expect(page.getByRole('log')).not.toContainText("'owt'");
});

test('the host page’s CSS does not reach the widget, and the widget changes nothing of the host page', async ({ page, request }) => {
  const tenant = await widgetTenant(request, [HOST]);
  const origins = new Set<string>();
  page.on('request', (r) => void origins.add(new URL(r.url()).origin));
  // No opening animation (prefers-reduced-motion): the styles are compared at rest.
  await page.emulateMedia({ reducedMotion: 'reduce' });

  // The widget, page CSS or not.
  const widgetStyles = async () => {
    await launcher(page).click();
    await expect(page.getByRole('log')).toContainText(tenant.welcome);
    return page.evaluate(() => {
      const host = document.querySelector('[data-tenantry-widget]')!;
      const props = ['display', 'position', 'color', 'font-size', 'font-family', 'line-height', 'background-color', 'padding-top', 'margin-top', 'border-top-width', 'opacity', 'visibility', 'width', 'height'];
      const pick = (el: Element) => Object.fromEntries(props.map((p) => [p, getComputedStyle(el).getPropertyValue(p)]));
      const inside = ['.launcher', '.panel', '.title', '.msg.assistant', 'textarea', '.send'].map((s) => [s, pick(host.shadowRoot!.querySelector(s)!)]);
      return { host: pick(host), ...Object.fromEntries(inside) };
    });
  };
  await page.goto(hostPage(tenant.slug));
  const plain = await widgetStyles();
  await page.goto(hostPage(tenant.slug, '&aggressive=1'));
  const attacked = await widgetStyles();
  expect(attacked).toEqual(plain);
  expect(plain['.send']!.display).not.toBe('none');

  // The host page, widget or not (open, even): every computed property of its elements, and its globals.
  const hostState = () =>
    page.evaluate(() => {
      const all = (el: Element) => {
        const style = getComputedStyle(el);
        return Object.fromEntries([...style].map((p) => [p, style.getPropertyValue(p)]));
      };
      const elements = ['html', 'body', 'main', 'h1', '#para', '#para span', '#box', '#host-button', '#host-input'];
      return { styles: Object.fromEntries(elements.map((s) => [s, all(document.querySelector(s)!)])), globals: Object.keys(window) };
    });
  await page.goto(hostPage(tenant.slug, '&widget=0'));
  const without = await hostState();
  await page.goto(hostPage(tenant.slug));
  await launcher(page).click();
  await expect(page.getByRole('log')).toContainText(tenant.welcome);
  const withWidget = await hostState();
  expect(withWidget.styles).toEqual(without.styles);
  expect(withWidget.globals.filter((g) => !without.globals.includes(g))).toEqual(['TenantryWidget']);
  // No third-party request: the host page and the Tenantry deployment only.
  expect([...origins].sort()).toEqual([BASE_URL, HOST].sort());
});

test('the widget works from the keyboard and passes axe, light and dark', async ({ page, request }) => {
  const tenant = await widgetTenant(request, [HOST]);
  await page.goto(hostPage(tenant.slug));
  await launcher(page).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toBeVisible();
  await expect(messageBox(page)).toBeFocused();
  await page.keyboard.type('keys');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('log')).toContainText("'syek'");

  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page }).include('[data-tenantry-widget]').analyze();
    expect(results.violations.map((v) => `${colorScheme} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
  }

  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toBeHidden();
  await expect(launcher(page)).toBeFocused();
  await expect(launcher(page)).toHaveAttribute('aria-expanded', 'false');
});

test('the seed demo page shows acme, globex and initech answering in their own ways, and the cross-tenant refusal', async ({ page }) => {
  await page.goto('/demo/widget');
  const widget = (slug: string) => page.locator(`#widget-${slug}`).getByRole('log');
  await expect(widget('acme')).toContainText('Howdy from Acme!');
  await expect(widget('globex')).toContainText('Welcome from Globex.');
  await expect(widget('initech')).toContainText('Initech says hi.');
  // Styled under the page's CSP (style-src 'self', no 'unsafe-inline'): constructed stylesheets are not inline styles.
  await expect(page.locator('#widget-acme').getByRole('button', { name: 'Send' })).toHaveCSS('background-color', 'rgb(67, 56, 202)');

  await page.getByLabel('Ask all three').fill('demo day');
  await page.getByRole('button', { name: 'Send to every widget' }).click();
  await expect(widget('acme')).toContainText("[ACME MOCK] You said: 'demo day'. Here's it reversed: 'yad omed'");
  await expect(widget('globex')).toContainText('[GLOBEX MOCK] Echo: DEMO DAY');
  await expect(widget('initech')).toContainText("[INITECH MOCK] Got it. 'demo day'. (pretend-smart summary).");

  await page.getByRole('button', { name: "Send acme's session to globex" }).click();
  const result = page.locator('#cross-result');
  await expect(result).toHaveAttribute('data-status', '403');
  await expect(result).toContainText('{"detail":"Session does not belong to tenant"}');
});

test('the assistant page shows the snippet, edits the allowed websites and previews the widget', async ({ page, request, tenant }) => {
  const me = await request.get('/api/v1/me', { headers: { authorization: `Bearer ${tenant.accessToken}` } });
  const slug = ((await me.json()) as { tenant: { slug: string } }).tenant.slug;
  await visit(page, '/assistant', tenant.ownerEmail);
  await expect(page.getByRole('heading', { name: 'Embed on your website' })).toBeVisible();
  await expect(page.getByText(`<script src="${BASE_URL}/widget.js" data-tenant="${slug}" async></script>`)).toBeVisible();

  // Origins: the API's per-origin error shows beside its row; then the host origin is saved.
  await page.getByRole('button', { name: 'Add a website' }).click();
  await page.getByRole('button', { name: 'Add a website' }).click();
  await page.getByLabel('Allowed origin 1', { exact: true }).fill(HOST);
  await page.getByLabel('Allowed origin 2', { exact: true }).fill('https://shop.example/cart');
  await page.getByRole('button', { name: 'Save websites' }).click();
  await expect(page.getByLabel('Allowed origin 2', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('no path, query or fragment')).toBeVisible();
  await expect(page.getByLabel('Allowed origin 1', { exact: true })).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Remove allowed origin 2' }).click();
  await page.getByRole('button', { name: 'Save websites' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  const saved = await request.get('/api/v1/assistant', { headers: { authorization: `Bearer ${tenant.accessToken}` } });
  expect(((await saved.json()) as { allowedOrigins: string[] }).allowedOrigins).toEqual([HOST]);

  // The preview: the widget is off for a new tenant, so it says so; switched on, it chats.
  const preview = page.getByTestId('widget-preview');
  await expect(preview.getByRole('alert')).toContainText('not available');
  await page.getByLabel('Website widget on').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('Saved.').first()).toBeVisible();
  await expect(preview.getByRole('log')).toContainText('Hello! How can I help?');
  await expect(preview.getByRole('alert')).toBeHidden();
  await preview.getByRole('textbox', { name: 'Your message' }).fill('preview');
  await preview.getByRole('button', { name: 'Send' }).click();
  await expect(preview.getByRole('log')).toContainText("'weiverp'");
  await expectAccessible(page);

  // The origin saved on the page is the one a visitor's browser is admitted from.
  const visitor = await page.context().browser()!.newPage();
  await visitor.goto(hostPage(slug));
  await launcher(visitor).click();
  await expect(visitor.getByRole('log')).toContainText('Hello! How can I help?');
  await visitor.close();
});
