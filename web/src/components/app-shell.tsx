import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { logout, switchTenant, switchToPlatform } from '../features/auth/api.ts';
import type { Permission } from '../features/auth/permissions.ts';
import { useCan, useMe, useSession } from '../features/auth/use-session.ts';
import { TenantBanners } from '../features/billing/tenant-banners.tsx';
import { getTenant } from '../features/settings/api.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { ErrorMessage } from './error-display.tsx';
import { Preferences } from './preferences.tsx';
import { Button } from './ui/button.tsx';
import { cn } from './ui/cn.ts';
import { Menu, MenuItem, MenuLabel, MenuSeparator } from './ui/dropdown.tsx';

interface NavItem {
  to: string;
  label: MessageKey;
  permission?: Permission;
}

/** The navigation, in one place; an entry shows only to roles that have its permission. */
const NAV: Array<{ title: MessageKey; items: NavItem[] }> = [
  {
    title: 'nav.workspace',
    items: [
      { to: '/overview', label: 'nav.overview', permission: 'usage:read' },
      { to: '/conversations', label: 'nav.chat', permission: 'chat:use' },
    ],
  },
  {
    title: 'nav.admin',
    items: [
      { to: '/members', label: 'nav.members', permission: 'members:manage' },
      { to: '/invitations', label: 'nav.invitations', permission: 'members:invite' },
      { to: '/api-keys', label: 'nav.apiKeys', permission: 'api-keys:manage' },
      { to: '/assistant', label: 'nav.assistant', permission: 'chat:configure' },
      { to: '/prompts', label: 'nav.prompts', permission: 'chat:configure' },
      { to: '/billing', label: 'nav.billing', permission: 'billing:read' },
      { to: '/audit', label: 'nav.audit', permission: 'audit:read' },
      { to: '/settings', label: 'nav.settings', permission: 'settings:update' },
      { to: '/danger-zone', label: 'nav.dangerZone', permission: 'tenant:export' },
    ],
  },
];

/** The platform console's pages: shown to platform admins only. */
const PLATFORM_NAV: NavItem[] = [
  { to: '/admin', label: 'nav.adminTenants' },
  { to: '/admin/analytics', label: 'nav.adminAnalytics' },
  { to: '/admin/jobs', label: 'nav.adminJobs' },
];

export function AppShell() {
  const { t, setTenantLocale } = useI18n();
  const me = useMe();
  const state = useSession();
  const allowed = useCan();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const [menuOpen, setMenuOpen] = useState(false);
  const [switchError, setSwitchError] = useState<unknown>(null);

  useEffect(() => setMenuOpen(false), [pathname]);
  const tenant = me.data?.tenant;
  // The tenant's language applies to members who chose none (the user's choice wins; see i18n).
  const settings = useQuery({ queryKey: ['tenant'], queryFn: getTenant, enabled: Boolean(tenant) });
  const tenantLocale = settings.data?.settings?.locale;
  useEffect(() => setTenantLocale(tenantLocale), [tenantLocale, setTenantLocale]);

  /** To a tenant of the user's, or (null) to the platform console: a platform admin's session in no tenant. */
  async function onSwitch(tenantId: string | null): Promise<void> {
    setSwitchError(null);
    try {
      if (tenantId) await switchTenant(tenantId);
      else await switchToPlatform();
      // Nothing of the previous tenant may stay on screen: every cached answer is dropped, and what is
      // mounted fetches again (reset, not clear: clear leaves mounted queries detached, stuck loading).
      void queryClient.resetQueries();
      await navigate({ to: tenantId ? '/overview' : '/admin' });
    } catch (error) {
      setSwitchError(error);
    }
  }

  async function onSignOut(): Promise<void> {
    await logout().catch(() => undefined);
    queryClient.clear();
    await navigate({ to: '/login' });
  }

  const groups = NAV.map((g) => ({ ...g, items: g.items.filter((i) => !i.permission || allowed(i.permission)) })).filter((g) => g.items.length > 0);

  return (
    <div className="min-h-screen lg:flex">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:p-2">
        {t('nav.skip')}
      </a>
      <aside
        className={cn(
          'border-zinc-200 bg-white lg:sticky lg:top-0 lg:block lg:h-screen lg:w-60 lg:shrink-0 lg:overflow-y-auto lg:border-r dark:border-zinc-800 dark:bg-zinc-900',
          menuOpen ? 'block border-b' : 'hidden',
        )}
      >
        <div className="hidden items-center gap-2 px-4 py-4 font-semibold lg:flex">
          <img src="/favicon.svg" alt="" className="size-7" />
          Tenantry
        </div>
        <nav aria-label={t('nav.main')} className="space-y-4 px-2 py-2">
          {groups.map((group) => (
            <div key={group.title}>
              <h2 className="px-2 text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400">{t(group.title)}</h2>
              <ul className="mt-1 space-y-0.5">
                {group.items.map((item) => (
                  <li key={item.to}>
                    <Link
                      to={item.to}
                      className="block rounded-md px-2 py-1.5 text-sm text-zinc-800 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800"
                      activeProps={{ className: 'bg-zinc-100 font-medium dark:bg-zinc-800', 'aria-current': 'page' }}
                    >
                      {t(item.label)}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          {me.data?.user.isPlatformAdmin && (
            <div>
              <h2 className="px-2 text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400">{t('nav.platform')}</h2>
              <ul className="mt-1 space-y-0.5">
                {PLATFORM_NAV.map((item) => (
                  <li key={item.to}>
                    <Link
                      to={item.to}
                      activeOptions={{ exact: item.to === '/admin' }}
                      className="block rounded-md px-2 py-1.5 text-sm text-zinc-800 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800"
                      activeProps={{ className: 'bg-zinc-100 font-medium dark:bg-zinc-800', 'aria-current': 'page' }}
                    >
                      {t(item.label)}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </nav>
      </aside>
      <div className="min-w-0 flex-1">
        <header className="sticky top-0 z-30 flex items-center gap-2 overflow-hidden border-b border-zinc-200 bg-white/90 px-4 py-2 backdrop-blur dark:border-zinc-800 dark:bg-zinc-900/90">
          <Button variant="ghost" size="sm" className="px-2 lg:hidden" aria-expanded={menuOpen} onClick={() => setMenuOpen((o) => !o)}>
            {t('nav.menu')}
          </Button>
          {me.data && me.data.tenants.length > 0 && (
            <Menu
              trigger={
                <Button variant="secondary" size="sm" className="max-w-[10rem] min-w-0 truncate sm:max-w-48" data-testid="tenant-switcher">
                  <span className="sr-only">{t('nav.switchTenant')}: </span>
                  <span className="truncate">{tenant?.name ?? t('nav.platform')}</span>
                  <span aria-hidden>▾</span>
                </Button>
              }
            >
              <MenuLabel>{t('nav.switchTenant')}</MenuLabel>
              {me.data.user.isPlatformAdmin && (
                <MenuItem disabled={!tenant} onSelect={() => void onSwitch(null)}>
                  {t('nav.toConsole')}
                </MenuItem>
              )}
              {me.data.tenants.map((candidate) => (
                <MenuItem key={candidate.id} disabled={candidate.id === tenant?.id} onSelect={() => void onSwitch(candidate.id)}>
                  {candidate.name}
                  <span className="ml-auto text-xs text-zinc-600 dark:text-zinc-400">{t(`role.${candidate.role}`)}</span>
                </MenuItem>
              ))}
            </Menu>
          )}
          <div className="ml-auto flex items-center gap-2">
            <div className="hidden sm:block">
              <Preferences />
            </div>
            <Menu
              trigger={
                <Button variant="ghost" size="sm">
                  <span className="sr-only">{t('nav.userMenu')}: </span>
                  <span aria-hidden className="flex size-6 items-center justify-center rounded-full bg-indigo-100 text-xs font-semibold text-indigo-900 sm:hidden">
                    {me.data?.user.name.slice(0, 1).toUpperCase() ?? '…'}
                  </span>
                  <span className="hidden max-w-32 truncate sm:inline">{me.data?.user.name ?? '…'}</span>
                </Button>
              }
            >
              <MenuLabel>{me.data?.user.email}</MenuLabel>
              <MenuItem onSelect={() => void navigate({ to: '/account' })}>{t('nav.account')}</MenuItem>
              <MenuSeparator />
              <MenuItem onSelect={() => void onSignOut()}>{t('nav.signOut')}</MenuItem>
            </Menu>
          </div>
        </header>
        <TenantBanners />
        {switchError ? <ErrorMessage error={switchError} className="m-4" /> : null}
        <main id="main" className="mx-auto max-w-6xl p-4 sm:p-6">
          {/* Keyed by tenant: a switch remounts every page, so no state of the previous tenant survives. */}
          <Outlet key={state?.tenant?.id ?? 'platform'} />
        </main>
        <div className="p-4 sm:hidden">
          <Preferences />
        </div>
      </div>
    </div>
  );
}
