/**
 * Names for the API's response bodies, all derived from the generated document (schema.d.ts), so a
 * change on the server is a type error here after `npm run api:generate`. Calls need none of them
 * (`call()` infers the body from the path); components use them to type their props.
 */
import type { components } from './schema';

type Schemas = components['schemas'];

export type MeView = Schemas['Me'];
export type MyTenant = MeView['tenants'][number];
export type Role = MyTenant['role'];
export type TenantStatus = MyTenant['status'];
/**
 * What sign-in, sign-up, refresh and switch-tenant answer. The refresh token may be absent (kept in
 * the httpOnly cookie only); a platform session has no tenant (openapi-fetch drops a `null`-typed
 * member from the body's type, hence optional).
 */
export type SessionTokens =
  | WithoutBodyRefresh<Schemas['SessionTokens']>
  | WithoutBodyRefresh<Omit<Schemas['PlatformSessionTokens'], 'tenant'> & { tenant?: null }>;
type WithoutBodyRefresh<T extends { refreshToken: string }> = Omit<T, 'refreshToken'> & { refreshToken?: string };
export type SessionTenant = Schemas['SessionTokens']['tenant'];
export type UserView = Schemas['AccountUser'];
export type SessionView = Schemas['AccountSession'];

export type TenantView = Schemas['Tenant'];
export type DeletionView = Schemas['TenantDeletion'];
export type ExportView = Schemas['TenantExport'];
export type MemberView = Schemas['Member'];
export type InvitationView = Schemas['Invitation'];
export type ApiKeyView = Schemas['ApiKey'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type AuditEventView = Schemas['AuditEvent'];
export type ChainCheck = Schemas['AuditChainCheck'];

export type ConversationView = Schemas['Conversation'];
export type MessageView = Schemas['Message'];
export type MessageStatus = MessageView['status'];
export type AssistantView = Schemas['Assistant'];
export type PromptView = Schemas['Prompt'];

export type PlanView = Schemas['Plan'];
export type SubscriptionView = Schemas['Subscription'];
export type UsageReport = Schemas['UsageReport'];
export type UsageMetric = UsageReport['metrics'][number]['metric'];
export type UsageBreakdown = Schemas['UsageBreakdown'];
/** One row of the overview's breakdown tables, built from UsageBreakdown by features/usage/api.ts. */
export type { UsageBreakdownRow } from '../features/usage/breakdown.ts';
