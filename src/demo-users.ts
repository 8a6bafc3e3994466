/**
 * The demo data's users (`npm run db:seed`), with known passwords: for trying the web app, never
 * for production. The server lists them at start-up in development only (main.ts).
 */
export interface DemoUser {
  email: string;
  name: string;
  /** The tenant (by slug) and role; none for the platform admin. */
  membership: { tenant: string; role: 'owner' | 'admin' | 'member' } | null;
  platformAdmin: boolean;
}

/** One password for every demo user: it meets the password policy (10+ characters, no email in it). */
export const DEMO_PASSWORD = 'tenantry-demo-2026';

export const DEMO_USERS: readonly DemoUser[] = [
  { email: 'owner@acme.test', name: 'Olivia Owner', membership: { tenant: 'acme', role: 'owner' }, platformAdmin: false },
  { email: 'admin@acme.test', name: 'Adam Admin', membership: { tenant: 'acme', role: 'admin' }, platformAdmin: false },
  { email: 'member@acme.test', name: 'Mia Member', membership: { tenant: 'acme', role: 'member' }, platformAdmin: false },
  { email: 'platform@tenantry.test', name: 'Pat Platform', membership: null, platformAdmin: true },
];

/** The lines main.ts prints in development. */
export function describeDemoUsers(baseUrl: string): string[] {
  return [
    `Demo users (from npm run db:seed; password for all: ${DEMO_PASSWORD}), sign in at ${baseUrl}/login:`,
    ...DEMO_USERS.map((u) => `  ${u.email.padEnd(24)} ${u.membership ? `${u.membership.role} of ${u.membership.tenant}` : 'platform admin'}`),
  ];
}
