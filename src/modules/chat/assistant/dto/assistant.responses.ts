import { z } from 'zod';
import { count, type Jsonified, named, pageOf, timestamp } from '../../../../platform/http/api-schemas.js';
import type { AssistantView, PromptView } from '../assistant.service.js';

/** Response bodies of the assistant routes (request bodies: assistant.dto.ts). */
export const assistantSchema = named(
  'Assistant',
  z.object({
    provider: z.enum(['builtin', 'openai_compatible']),
    model: z.string(),
    welcomeMessage: z.string(),
    temperature: z.number(),
    maxTokens: count,
    baseUrl: z.string().nullable(),
    hasApiKey: z.boolean().meta({ description: 'A provider API key is stored (encrypted; never returned)' }),
    widgetEnabled: z.boolean(),
    autoTitles: z.boolean(),
    allowedOrigins: z.array(z.string()).meta({
      description:
        'Origins (scheme://host[:port]) whose pages may call the widget API (POST /session, POST /chat). Empty: any origin in development, none in production (WIDGET_EMPTY_ORIGINS).',
    }),
    activePromptVersion: z.number().int().nullable(),
    updatedAt: timestamp.nullable().meta({ description: 'null until the configuration was first saved (the defaults apply)' }),
  }),
) satisfies z.ZodType<Jsonified<AssistantView>>;

export const promptSchema = named(
  'Prompt',
  z.object({ version: z.number().int(), template: z.string(), createdBy: z.string().nullable(), createdAt: timestamp, active: z.boolean() }),
) satisfies z.ZodType<Jsonified<PromptView>>;

export const promptPageSchema = pageOf('PromptPage', promptSchema);
