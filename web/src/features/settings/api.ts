import { call, client } from '../../api/client.ts';
import type { components } from '../../api/schema';

export type TenantChange = components['schemas']['UpdateTenantBody'];

export const getTenant = () => call(client.GET('/api/v1/tenant'));
export const updateTenant = (body: TenantChange) => call(client.PATCH('/api/v1/tenant', { body }));
export const deleteTenant = () => call(client.DELETE('/api/v1/tenant'));
export const startExport = () => call(client.POST('/api/v1/tenant/exports'));
export const listExports = () => call(client.GET('/api/v1/tenant/exports', { params: { query: { limit: 20 } } }));

export const updateProfile = (body: components['schemas']['UpdateMeBody']) => call(client.PATCH('/api/v1/me', { body }));
export const changePassword = (currentPassword: string, newPassword: string) =>
  call(client.POST('/api/v1/me/password', { body: { currentPassword, newPassword } }));
export const listSessions = () => call(client.GET('/api/v1/me/sessions'));
export const revokeSession = (id: string) => call(client.DELETE('/api/v1/me/sessions/{id}', { params: { path: { id } } }));
