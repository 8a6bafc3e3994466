import { call, client } from '../../api/client.ts';
import type { Role } from '../../api/views.ts';

/** Members come a page at a time (the console's "Load more"). */
export const MEMBERS_PAGE_SIZE = 25;
/** `q`: the server's search of names and emails (it reaches members not loaded yet). */
export const listMembers = (cursor?: string, q?: string) =>
  call(client.GET('/api/v1/members', { params: { query: { limit: MEMBERS_PAGE_SIZE, ...(cursor ? { cursor } : {}), ...(q ? { q } : {}) } } }));
export const changeRole = (userId: string, role: Role) => call(client.PATCH('/api/v1/members/{userId}', { params: { path: { userId } }, body: { role } }));
export const removeMember = (userId: string) => call(client.DELETE('/api/v1/members/{userId}', { params: { path: { userId } } }));

export const listInvitations = (cursor?: string) =>
  call(client.GET('/api/v1/invitations', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
/** Inviting the same address again replaces its open invitation: that is "resend". */
export const invite = (email: string, role: Exclude<Role, 'owner'>) => call(client.POST('/api/v1/invitations', { body: { email, role } }));
export const revokeInvitation = (id: string) => call(client.DELETE('/api/v1/invitations/{id}', { params: { path: { id } } }));
