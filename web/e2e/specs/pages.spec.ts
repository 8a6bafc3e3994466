import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, expectAccessible, test, visit } from '../support/fixtures.ts';

/** Screenshots of every page, light and dark, for CI artifacts and the README (E2E_SCREENSHOTS to change the folder). */
const SHOTS = process.env.E2E_SCREENSHOTS ?? path.resolve(import.meta.dirname, '../.artifacts/screenshots');

const PUBLIC_PAGES = ['/login', '/signup', '/forgot-password', '/reset-password?token=x', '/accept-invitation?token=x', '/pricing'];
const APP_PAGES = ['/overview', '/conversations', '/members', '/invitations', '/api-keys', '/assistant', '/prompts', '/billing', '/audit', '/settings', '/danger-zone', '/account'];

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.emulateMedia({ colorScheme: theme });
}

async function shoot(page: Page, name: string, theme: string, width: number): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name.replace(/[/?=]+/g, '_').replace(/^_/, '') || 'root'}-${theme}-${width}.png`), fullPage: true });
}

for (const theme of ['light', 'dark'] as const) {
  test(`every public page is accessible in ${theme} mode`, async ({ page }) => {
    test.setTimeout(120_000);
    await setTheme(page, theme);
    for (const pathname of PUBLIC_PAGES) {
      await page.goto(pathname);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await expectAccessible(page);
      await shoot(page, pathname, theme, 1280);
    }
  });

  test(`every console page is accessible in ${theme} mode, and usable at 375 px`, async ({ page, tenant }) => {
    test.setTimeout(300_000);
    await setTheme(page, theme);
    await visit(page, '/overview', tenant.ownerEmail);
    for (const pathname of APP_PAGES) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link').first().waitFor();
      await page.evaluate((to) => {
        window.history.pushState({}, '', to);
        window.dispatchEvent(new PopStateEvent('popstate'));
      }, pathname);
      await expect(page).toHaveURL(new RegExp(`${pathname}$`));
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await expect(page.getByText('Loading…')).toHaveCount(0);
      await expectAccessible(page);
      await shoot(page, pathname, theme, 1280);
    }
    await page.setViewportSize({ width: 375, height: 800 });
    for (const pathname of ['/overview', '/conversations', '/members', '/api-keys']) {
      await page.evaluate((to) => {
        window.history.pushState({}, '', to);
        window.dispatchEvent(new PopStateEvent('popstate'));
      }, pathname);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await expect(page.getByText('Loading…')).toHaveCount(0);
      // Nothing wider than the screen: no sideways scrolling of the page itself.
      const overflow = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > 376 && !e.closest('.overflow-x-auto'))
          .slice(0, 3)
          .map((e) => `${e.tagName}.${e.className}`.slice(0, 80)),
      );
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `${pathname}: ${overflow.join(' | ')}`).toBeLessThanOrEqual(375);
      await expectAccessible(page);
      await shoot(page, pathname, theme, 375);
    }
  });
}
