/**
 * TEMPORARY, hand-typed: routes that branch `webapi` adds to the API (re-attach to a reply, stop,
 * regenerate, the usage breakdown, the user's sessions, profile and password). They are merged into
 * the client's `paths` (client.ts) so that calls read exactly as they will once the generated
 * schema has them; delete each entry when `npm run api:generate` brings the real one.
 * Flows that need them treat a 404 as "not available on this server yet".
 */
import type { MessageView, SessionView, UsageBreakdown, UserView } from './views.ts';

type Json<T> = { content: { 'application/json': T } };
type NoContent = { content?: never };
type Responses<Ok> = { responses: { 200: Json<Ok>; 201: Json<Ok>; 204: NoContent; default: Json<unknown> } };
type Op<Params, Body, Ok> = { parameters: Params & { header?: never; cookie?: never } } & Responses<Ok> &
  ([Body] extends [never] ? { requestBody?: never } : { requestBody: { content: { 'application/json': Body } } });
type MessagePath = { path: { id: string; messageId: string }; query?: never };
type NoParams = { path?: never; query?: never };
type Path<Methods> = { parameters: { query?: never; header?: never; path?: never; cookie?: never } } & Methods;

export interface PendingPaths {
  '/api/v1/conversations/{id}/messages/{messageId}/stream': Path<{ get: Op<MessagePath, never, unknown> }>;
  '/api/v1/conversations/{id}/messages/{messageId}/stop': Path<{ post: Op<MessagePath, never, MessageView> }>;
  '/api/v1/conversations/{id}/messages/{messageId}/regenerate': Path<{ post: Op<MessagePath, never, unknown> }>;
  '/api/v1/usage/breakdown': Path<{ get: Op<{ query?: { from?: string; to?: string }; path?: never }, never, UsageBreakdown> }>;
  '/api/v1/me/sessions': Path<{ get: Op<NoParams, never, { data: SessionView[] }> }>;
  '/api/v1/me/sessions/{id}': Path<{ delete: Op<{ path: { id: string }; query?: never }, never, undefined> }>;
  '/api/v1/me/password': Path<{ post: Op<NoParams, { currentPassword: string; newPassword: string }, undefined> }>;
}

/** PATCH /me is a new method on an existing path: typed at its call site (features/settings/account-api.ts). */
export type UpdateMeBody = { name?: string; locale?: string };
export type UpdateMeResponse = UserView;
