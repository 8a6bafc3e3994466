import { call, client } from '../../api/client.ts';
import type { Permission } from '../auth/permissions.ts';

export const listApiKeys = (cursor?: string) => call(client.GET('/api/v1/api-keys', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
export const createApiKey = (body: { name: string; scopes: Permission[]; expiresAt?: string; rateLimitPerMinute?: number }) =>
  call(client.POST('/api/v1/api-keys', { body }));
export const revokeApiKey = (id: string) => call(client.DELETE('/api/v1/api-keys/{id}', { params: { path: { id } } }));
