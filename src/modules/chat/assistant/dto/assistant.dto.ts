import { z } from 'zod';
import { pageQuerySchema } from '../../../../platform/http/pagination.js';
import { zodDto } from '../../../../platform/http/validation.js';
import { allowedOriginsSchema } from '../allowed-origins.js';

/**
 * Each rule runs only on what passed the one before (zod runs every check of one schema unless a
 * check aborts): a 100,000-character value is refused by max(), never handed to a URL parser.
 */
const httpUrl = z
  .string()
  .trim()
  .max(2000, { abort: true })
  .url({ protocol: /^https?$/i, error: 'must be an http:// or https:// URL', abort: true })
  .refine((v) => {
    const url = URL.parse(v);
    return url !== null && !url.username && !url.password;
  }, 'must not carry credentials (use apiKey)');

/**
 * Strict: unknown fields (apiKeyEncrypted, tenantId, activePromptVersion) are refused, not dropped.
 * Rules that depend on the stored configuration (a built-in model for the builtin provider, a base
 * URL for openai_compatible) are checked by the service on the merged result.
 */
export const updateAssistantSchema = z
  .strictObject({
    provider: z.enum(['builtin', 'openai_compatible']),
    model: z.string().trim().min(1).max(200),
    welcomeMessage: z.string().trim().min(1).max(1000),
    temperature: z.number().min(0).max(2),
    maxTokens: z.number().int().min(1).max(32768),
    /** null removes it (only allowed for the builtin provider). */
    baseUrl: httpUrl.nullable(),
    /** Write-only; null removes the stored key. */
    apiKey: z.string().trim().min(1).max(1000).nullable(),
    widgetEnabled: z.boolean(),
    /** The model titles each conversation after its first exchange (one more call, tokens from the quota). */
    autoTitles: z.boolean(),
    /**
     * The websites (origins, `https://shop.example`) whose pages may call the widget API; replaces
     * the list. Normalised (lowercase, default port dropped) and deduplicated; at most 50.
     */
    allowedOrigins: allowedOriginsSchema,
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'give at least one field to change');

export class UpdateAssistantBody extends zodDto(updateAssistantSchema) {}

export const MAX_TEMPLATE_CHARS = 20_000;

export const createPromptSchema = z.strictObject({ template: z.string().trim().min(1).max(MAX_TEMPLATE_CHARS) });

export class CreatePromptBody extends zodDto(createPromptSchema) {}

export class ListPromptsQuery extends zodDto(pageQuerySchema) {}

export class PromptVersionParams extends zodDto(z.object({ version: z.coerce.number().int().min(1).max(2_147_483_647) })) {}
