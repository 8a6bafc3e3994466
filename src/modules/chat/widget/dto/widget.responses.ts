import { z } from 'zod';
import { named } from '../../../../platform/http/api-schemas.js';
import type { WidgetChatResponse, WidgetSessionResponse } from './widget.dto.js';

/** Response bodies of the seed demo's widget routes (request bodies: widget.dto.ts). */
/** A UUID (version 8, docs/adr/0021-embeddable-widget.md), as the seed demo's session ids are UUIDs. */
const sessionId = z.uuid().meta({ description: 'The session: a UUID; keep it and send it with each message' });

export const widgetSessionSchema = named(
  'WidgetSession',
  z.object({ session_id: sessionId, tenant: z.object({ id: z.string(), name: z.string(), welcome: z.string() }) }),
) satisfies z.ZodType<WidgetSessionResponse>;

export const widgetChatReplySchema = named(
  'WidgetChatReply',
  z.object({ tenant_id: z.string(), session_id: sessionId, reply: z.string(), model: z.string(), mock: z.boolean() }),
) satisfies z.ZodType<WidgetChatResponse>;

/** The seed demo's error body, which the widget routes keep (WidgetErrorFilter): never problem+json. */
export const widgetErrorSchema = named('WidgetError', z.object({ detail: z.string() }).meta({ description: "The seed demo's error body" }));
