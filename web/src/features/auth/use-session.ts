import { useQuery } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { type SessionState, session } from '../../api/session.ts';
import type { MeView } from '../../api/views.ts';
import { getMe } from './api.ts';
import { can, type Permission } from './permissions.ts';

export function useSession(): SessionState | null {
  return useSyncExternalStore(session.subscribe, () => session.current);
}

/** GET /me for the session's tenant: the user, the role there, and every tenant of the user. */
export function useMe() {
  const state = useSession();
  return useQuery<MeView>({ queryKey: ['me', state?.tenant?.id ?? 'platform'], queryFn: getMe, enabled: state !== null, staleTime: 30_000 });
}

/** True when the signed-in role has the permission (the server still decides). */
export function useCan(): (permission: Permission) => boolean {
  const me = useMe().data;
  return (permission) => can(me?.role, permission);
}
