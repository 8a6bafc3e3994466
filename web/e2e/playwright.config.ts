import { defineConfig, devices } from '@playwright/test';

/**
 * Browser tests against the real API, PostgreSQL and Redis. By default global-setup.ts starts
 * everything (a fresh database, the fake Stripe, the built API serving web/dist at /, as in
 * production) on port 3600 (E2E_WEB_PORT). E2E_BASE_URL points the tests at a server that
 * is already running (the API serving web/dist at /); E2E_MAIL_DIR must then be its MAIL_FILE_DIR.
 * Debian's Chromium only (CHROMIUM_PATH); Playwright never downloads a browser here.
 */
const webPort = Number(process.env.E2E_WEB_PORT ?? 3600);
export const BASE_URL = process.env.E2E_BASE_URL ?? `http://127.0.0.1:${webPort}`;

export default defineConfig({
  testDir: './specs',
  outputDir: '../test-results',
  globalSetup: './support/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    ...devices['Desktop Chrome'],
    baseURL: BASE_URL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
