/**
 * The tenant a user last worked in, per user id on this browser, to preselect it when they sign in
 * again. Only ids (no email, no token): a preference, not a credential; the server still checks
 * membership on every switch.
 */
const KEY = 'tenantry.lastTenant';

function read(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export function lastTenantOf(userId: string): string | undefined {
  return read()[userId];
}

export function rememberTenant(userId: string, tenantId: string): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...read(), [userId]: tenantId }));
  } catch {
    // Storage refused (private mode, quota): the preselection is a convenience.
  }
}
