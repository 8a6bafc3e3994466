import { z } from 'zod';
import { zodDto } from '../../../../platform/http/validation.js';

/** The seed demo's request bodies, as they are (snake_case; unknown fields ignored, like the demo's). */
export const startSessionSchema = z.object({
  tenant_id: z.string().min(1).max(200),
});

/** `message`: non-empty once trimmed; its maximum length (MAX_MESSAGE_CHARS) is checked by WidgetService. */
export const widgetChatSchema = z.object({
  tenant_id: z.string().min(1).max(200),
  session_id: z.string().min(1).max(200),
  message: z.string().refine((m) => m.trim().length > 0, 'must not be empty'),
});

export class StartSessionBody extends zodDto(startSessionSchema) {}
export class WidgetChatBody extends zodDto(widgetChatSchema) {}

export interface WidgetSessionResponse {
  session_id: string;
  tenant: { id: string; name: string; welcome: string };
}

export interface WidgetChatResponse {
  tenant_id: string;
  session_id: string;
  reply: string;
  model: string;
  mock: boolean;
}
