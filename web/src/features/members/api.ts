import { call, client } from '../../api/client.ts';
import type { InvitationView, MemberView, Page, Role } from '../../api/views.ts';

export const listMembers = (cursor?: string) =>
  call<Page<MemberView>>(client.GET('/api/v1/members', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
export const changeRole = (userId: string, role: Role) => call<MemberView>(client.PATCH('/api/v1/members/{userId}', { params: { path: { userId } }, body: { role } }));
export const removeMember = (userId: string) => call(client.DELETE('/api/v1/members/{userId}', { params: { path: { userId } } }));

export const listInvitations = (cursor?: string) =>
  call<Page<InvitationView>>(client.GET('/api/v1/invitations', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
/** Inviting the same address again replaces its open invitation: that is "resend". */
export const invite = (email: string, role: Exclude<Role, 'owner'>) => call<InvitationView>(client.POST('/api/v1/invitations', { body: { email, role } }));
export const revokeInvitation = (id: string) => call(client.DELETE('/api/v1/invitations/{id}', { params: { path: { id } } }));
