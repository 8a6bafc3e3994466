/**
 * Routes, in code. Pages load lazily (first load stays small); the app's pages sit under one layout
 * that requires a session (restored from the refresh cookie when there is one) and each declares
 * its permission. Paths the API owns (/api, /health, POST /session, POST /chat) are not routes here.
 */
import { createRootRoute, createRoute, createRouter, lazyRouteComponent, Outlet, redirect } from '@tanstack/react-router';
import { type ComponentType, lazy, Suspense } from 'react';
import { refreshSession } from './api/client.ts';
import { session } from './api/session.ts';
import { Guard, PageLoading } from './components/guard.tsx';
import { NotFound, RouteError } from './components/route-error.tsx';
import type { Permission } from './features/auth/permissions.ts';
import { tenantsSearch } from './features/admin/tenant-search.ts';

type Loader = () => Promise<Record<string, ComponentType>>;

function page(load: Loader, name: string, permission?: Permission, platform?: boolean) {
  const Lazy = lazy(() => load().then((module) => ({ default: module[name]! })));
  return function GuardedPage() {
    return (
      <Guard permission={permission} platform={platform}>
        <Suspense fallback={<PageLoading />}>
          <Lazy />
        </Suspense>
      </Guard>
    );
  };
}

const redirectSearch = (search: Record<string, unknown>): { redirect?: string } =>
  typeof search.redirect === 'string' && search.redirect.startsWith('/') && !search.redirect.startsWith('//') ? { redirect: search.redirect } : {};
const tokenSearch = (search: Record<string, unknown>): { token?: string } => (typeof search.token === 'string' ? { token: search.token } : {});

const root = createRootRoute({ component: Outlet, errorComponent: RouteError, notFoundComponent: NotFound });

const publicLayout = createRoute({
  getParentRoute: () => root,
  id: 'public',
  component: lazyRouteComponent(() => import('./components/public-layout.tsx'), 'PublicLayout'),
});
const pub = <P extends string>(path: P, load: Loader, name: string, validateSearch?: (s: Record<string, unknown>) => object) =>
  createRoute({ getParentRoute: () => publicLayout, path, component: lazyRouteComponent(load, name), ...(validateSearch ? { validateSearch } : {}) });

const loginRoute = createRoute({
  getParentRoute: () => publicLayout,
  path: '/login',
  validateSearch: (s: Record<string, unknown>) => ({ ...redirectSearch(s), ...(typeof s.email === 'string' ? { email: s.email } : {}) }),
  component: lazyRouteComponent(() => import('./features/auth/login-page.tsx'), 'LoginPage'),
});
const publicRoutes = [
  loginRoute,
  pub('/signup', () => import('./features/auth/signup-page.tsx'), 'SignupPage', (s) => ({ ...(typeof s.plan === 'string' ? { plan: s.plan } : {}) })),
  pub('/forgot-password', () => import('./features/auth/forgot-password-page.tsx'), 'ForgotPasswordPage'),
  pub('/reset-password', () => import('./features/auth/reset-password-page.tsx'), 'ResetPasswordPage', tokenSearch),
  pub('/set-password', () => import('./features/auth/reset-password-page.tsx'), 'ResetPasswordPage', tokenSearch),
  pub('/accept-invitation', () => import('./features/auth/accept-invitation-page.tsx'), 'AcceptInvitationPage', tokenSearch),
  pub('/pricing', () => import('./features/billing/pricing-page.tsx'), 'PricingPage'),
];

const appLayout = createRoute({
  getParentRoute: () => root,
  id: 'app',
  beforeLoad: async ({ location }) => {
    if (session.current || (await refreshSession())) return;
    throw redirect({ to: '/login', search: { redirect: location.href } });
  },
  component: lazyRouteComponent(() => import('./components/app-shell.tsx'), 'AppShell'),
});
const app = <P extends string>(path: P, load: Loader, name: string, permission?: Permission, validateSearch?: (s: Record<string, unknown>) => object) =>
  createRoute({ getParentRoute: () => appLayout, path, component: page(load, name, permission), ...(validateSearch ? { validateSearch } : {}) });

/** A platform console page: platform admins only (the API refuses the rest with 403 as well). */
const admin = <P extends string>(path: P, load: Loader, name: string, validateSearch?: (s: Record<string, unknown>) => object) =>
  createRoute({ getParentRoute: () => appLayout, path, component: page(load, name, undefined, true), ...(validateSearch ? { validateSearch } : {}) });

const indexRoute = createRoute({
  getParentRoute: () => appLayout,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: session.current?.tenant ? '/overview' : '/admin' });
  },
});

const conversationRoute = createRoute({
  getParentRoute: () => appLayout,
  path: '/conversations/$conversationId',
  component: page(() => import('./features/chat/chat-page.tsx'), 'ChatPage', 'chat:use'),
});

const appRoutes = [
  indexRoute,
  app('/overview', () => import('./features/usage/overview-page.tsx'), 'OverviewPage', 'usage:read'),
  app('/conversations', () => import('./features/chat/chat-page.tsx'), 'ChatPage', 'chat:use'),
  conversationRoute,
  app('/members', () => import('./features/members/members-page.tsx'), 'MembersPage', 'members:manage'),
  app('/invitations', () => import('./features/members/invitations-page.tsx'), 'InvitationsPage', 'members:invite'),
  app('/api-keys', () => import('./features/api-keys/api-keys-page.tsx'), 'ApiKeysPage', 'api-keys:manage'),
  app('/assistant', () => import('./features/assistant/assistant-page.tsx'), 'AssistantPage', 'chat:configure'),
  app('/prompts', () => import('./features/assistant/prompts-page.tsx'), 'PromptsPage', 'chat:configure'),
  app('/billing', () => import('./features/billing/billing-page.tsx'), 'BillingPage', 'billing:read', (s) => ({
    ...(typeof s.checkout === 'string' ? { checkout: s.checkout } : {}),
  })),
  app('/audit', () => import('./features/audit/audit-page.tsx'), 'AuditPage', 'audit:read'),
  app('/settings', () => import('./features/settings/settings-page.tsx'), 'SettingsPage', 'settings:update'),
  app('/danger-zone', () => import('./features/settings/danger-zone-page.tsx'), 'DangerZonePage', 'tenant:export'),
  app('/account', () => import('./features/settings/account-page.tsx'), 'AccountPage'),
  admin('/admin', () => import('./features/admin/tenants-page.tsx'), 'TenantsPage', tenantsSearch),
  admin('/admin/tenants/$tenantId', () => import('./features/admin/tenant-detail-page.tsx'), 'TenantDetailPage'),
  admin('/admin/analytics', () => import('./features/admin/analytics-page.tsx'), 'AnalyticsPage', (s) => ({
    ...(s.days === 7 || s.days === 30 || s.days === 90 ? { days: s.days } : {}),
  })),
  admin('/admin/jobs', () => import('./features/admin/jobs-page.tsx'), 'JobsPage', (s) => ({
    ...(typeof s.queue === 'string' && /^[\w-]{1,64}$/.test(s.queue) ? { queue: s.queue } : {}),
  })),
];

const routeTree = root.addChildren([publicLayout.addChildren(publicRoutes), appLayout.addChildren(appRoutes)]);

export const router = createRouter({ routeTree, defaultPreload: 'intent', scrollRestoration: true });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
