/**
 * TEMPORARY response types, written from the API's services until the OpenAPI document declares
 * its response schemas (the contract issue). Each becomes an alias of the generated
 * `components['schemas'][...]` then (or disappears, when `call()` infers it from the path).
 * Dates arrive as ISO strings.
 */
export type Role = 'owner' | 'admin' | 'billing' | 'member';
export type TenantStatus = 'active' | 'suspended' | 'deleted';

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  isPlatformAdmin: boolean;
}

export interface MyTenant {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  role: Role;
}

export interface MeView {
  user: UserView;
  tenant: Omit<MyTenant, 'role'> | null;
  role: Role | null;
  tenants: MyTenant[];
}

export interface SessionTokens {
  tokenType: 'Bearer';
  accessToken: string;
  expiresIn: number;
  /** Absent once the API keeps it in an httpOnly cookie only. */
  refreshToken?: string;
  refreshTokenExpiresAt: string;
  userId: string;
  tenant: { id: string; slug: string; name: string; role: Role } | null;
  platformAdmin?: true;
}

export interface TenantView {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  createdAt: string;
  settings: { displayName: string; locale: string; timezone: string; supportEmail: string | null } | null;
}

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: string;
}

export interface InvitationView {
  id: string;
  email: string;
  role: Exclude<Role, 'owner'>;
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  rateLimitPerMinute: number | null;
}

export interface CreatedApiKey extends Pick<ApiKeyView, 'id' | 'name' | 'prefix' | 'scopes' | 'expiresAt' | 'rateLimitPerMinute' | 'createdAt'> {
  /** The secret, shown once. */
  key: string;
}

export interface ConversationView {
  id: string;
  channel: 'api' | 'widget';
  userId: string | null;
  title: string | null;
  createdAt: string;
  updatedAt: string;
}

export type MessageStatus = 'pending' | 'complete' | 'failed' | 'stopped';

export interface MessageView {
  id: string;
  conversationId: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  error: string | null;
  createdAt: string;
}

export interface AssistantView {
  provider: 'builtin' | 'openai_compatible';
  model: string;
  welcomeMessage: string;
  temperature: number;
  maxTokens: number;
  baseUrl: string | null;
  hasApiKey: boolean;
  widgetEnabled: boolean;
  autoTitles: boolean;
  /** Origins whose pages may call the widget API; empty: any in development, none in production. */
  allowedOrigins: string[];
  activePromptVersion: number | null;
  updatedAt: string | null;
}

export interface PromptView {
  version: number;
  template: string;
  createdBy: string | null;
  createdAt: string;
  active: boolean;
}

export type UsageMetric = 'messages' | 'tokens' | 'api_calls' | 'seats';

export interface UsageReport {
  periodStart: string;
  resetAt: string;
  metrics: Array<{ metric: UsageMetric; used: number; reserved: number; limit: number | null }>;
  daily: Array<{ day: string; metric: UsageMetric; amount: number }>;
}

export interface UsageBreakdownRow {
  /** Member user id, API key id, or model name. */
  id: string;
  label: string;
  messages: number;
  tokens: number;
  apiCalls?: number;
}

export interface UsageBreakdown {
  members: UsageBreakdownRow[];
  apiKeys: UsageBreakdownRow[];
  models: UsageBreakdownRow[];
}

export interface PlanView {
  id: string;
  name: string;
  limits: {
    seats: number | null;
    messages_per_month: number | null;
    tokens_per_month: number | null;
    chat_per_10s: number | null;
    api_per_minute: number | null;
    allowed_models: string[];
  };
  selfServe: boolean;
}

export interface SubscriptionView {
  plan: string;
  status: string;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  graceUntil?: string;
}

export interface AuditEventView {
  id: string;
  seq: string;
  actorType: 'user' | 'api_key' | 'platform_admin' | 'system';
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: unknown;
  createdAt: string;
  hash: string;
}

export interface ChainCheck {
  ok: boolean;
  checked: number;
  brokenAtSeq?: string;
  head?: { seq: string; hash: string };
}

export interface ExportView {
  id: string;
  status: 'pending' | 'ready' | 'failed' | string;
  sizeBytes: number | null;
  createdAt: string;
  expiresAt: string | null;
  downloadUrl?: string;
}

export interface DeletionView {
  id: string;
  status: 'deleted';
  deletionScheduledAt: string;
}

/** GET /me/sessions (pending.ts). */
export interface SessionView {
  id: string;
  current: boolean;
  createdAt: string;
  lastUsedAt: string | null;
  userAgent: string | null;
  ip: string | null;
  tenant?: { id: string; name: string } | null;
}
