import { z } from 'zod';
import { named } from '../../../../platform/http/api-schemas.js';
import type { WidgetChatResponse, WidgetSessionResponse } from './widget.dto.js';

/** Response bodies of the seed demo's widget routes (request bodies: widget.dto.ts). */
export const widgetSessionSchema = named(
  'WidgetSession',
  z.object({ session_id: z.string(), tenant: z.object({ id: z.string(), name: z.string(), welcome: z.string() }) }),
) satisfies z.ZodType<WidgetSessionResponse>;

export const widgetChatReplySchema = named(
  'WidgetChatReply',
  z.object({ tenant_id: z.string(), session_id: z.string(), reply: z.string(), model: z.string(), mock: z.boolean() }),
) satisfies z.ZodType<WidgetChatResponse>;

/** The seed demo's error body, which the widget routes keep (WidgetErrorFilter): never problem+json. */
export const widgetErrorSchema = named('WidgetError', z.object({ detail: z.string() }).meta({ description: "The seed demo's error body" }));
