import type { UsageBreakdown } from '../../api/views.ts';

/** One row of a breakdown table: who or what, and what it used this period. */
export interface UsageBreakdownRow {
  /** Member user id, API key id, or model name. */
  id: string;
  label: string;
  messages: number;
  tokens: number;
}

export interface BreakdownTables {
  members: UsageBreakdownRow[];
  apiKeys: UsageBreakdownRow[];
  models: UsageBreakdownRow[];
}

/**
 * The API's breakdown as the overview shows it: a readable label (a member's name or email, a key's
 * name and prefix, the model; a deleted member or key keeps its id), tokens as one total.
 */
export function toBreakdownTables(report: UsageBreakdown, unknownModel: string): BreakdownTables {
  const tokens = (row: { promptTokens: number; completionTokens: number }) => row.promptTokens + row.completionTokens;
  return {
    members: report.members.map((m) => ({ id: m.userId, label: m.name || m.email || m.userId, messages: m.messages, tokens: tokens(m) })),
    apiKeys: report.apiKeys.map((k) => ({
      id: k.apiKeyId,
      label: k.name ? `${k.name}${k.prefix ? ` (${k.prefix}…)` : ''}` : (k.prefix ?? k.apiKeyId),
      messages: k.messages,
      tokens: tokens(k),
    })),
    models: report.models.map((m) => ({ id: m.model ?? '', label: m.model ?? unknownModel, messages: m.messages, tokens: tokens(m) })),
  };
}
