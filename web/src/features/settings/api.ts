import { call, client, isNotAvailable } from '../../api/client.ts';
import type { UpdateMeBody, UpdateMeResponse } from '../../api/pending.ts';
import type { DeletionView, ExportView, Page, SessionView, TenantView } from '../../api/views.ts';

export interface TenantChange {
  name?: string;
  displayName?: string;
  locale?: string;
  timezone?: string;
  supportEmail?: string | null;
}

export const getTenant = () => call<TenantView>(client.GET('/api/v1/tenant'));
export const updateTenant = (body: TenantChange) => call<TenantView>(client.PATCH('/api/v1/tenant', { body }));
export const deleteTenant = () => call<DeletionView>(client.DELETE('/api/v1/tenant'));
export const startExport = () => call<ExportView>(client.POST('/api/v1/tenant/exports'));
export const listExports = () => call<Page<ExportView>>(client.GET('/api/v1/tenant/exports', { params: { query: { limit: 20 } } }));

/** Pending routes (pending.ts): null when the server does not have them yet. */
async function orMissing<T>(pending: Promise<T>): Promise<T | null> {
  try {
    return await pending;
  } catch (error) {
    if (isNotAvailable(error)) return null;
    throw error;
  }
}

// PATCH on an existing path is not in the generated schema yet: typed here, at its only call site.
type PatchMe = (path: '/api/v1/me', init: { body: UpdateMeBody }) => Promise<{ data?: UpdateMeResponse; error?: unknown; response: Response }>;
export const updateProfile = (body: UpdateMeBody) => call<UpdateMeResponse>((client.PATCH as unknown as PatchMe)('/api/v1/me', { body }));
export const changePassword = (currentPassword: string, newPassword: string) =>
  call(client.POST('/api/v1/me/password', { body: { currentPassword, newPassword } }));
export const listSessions = () => orMissing(call<{ data: SessionView[] }>(client.GET('/api/v1/me/sessions', {})));
export const revokeSession = (id: string) => call(client.DELETE('/api/v1/me/sessions/{id}', { params: { path: { id } } }));
