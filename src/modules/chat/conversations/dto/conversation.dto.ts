import { z } from 'zod';
import { pageQuerySchema } from '../../../../platform/http/pagination.js';
import { zodDto } from '../../../../platform/http/validation.js';

export class ListConversationsQuery extends zodDto(pageQuerySchema.extend({ channel: z.enum(['api', 'widget']).optional() })) {}

export class ListMessagesQuery extends zodDto(pageQuerySchema) {}

export class ConversationParams extends zodDto(z.object({ id: z.guid() })) {}

/** The length rule (1 to MAX_MESSAGE_CHARS after trimming) is the chat service's, for every channel. */
export class PostMessageBody extends zodDto(z.strictObject({ content: z.string() })) {}

/** The title rules (one line, 1 to 80 characters after trimming) are the conversations service's. */
export class RenameConversationBody extends zodDto(z.strictObject({ title: z.string() })) {}

export class MessageParams extends zodDto(z.object({ id: z.guid(), messageId: z.guid() })) {}

const tokenUsage = z.object({ promptTokens: z.int(), completionTokens: z.int() });

/** A stored message (OpenAPI response schema). */
export const messageSchema = z.object({
  id: z.guid(),
  conversationId: z.guid(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  /** pending: being generated; stopped: its user stopped it (the text so far is kept). */
  status: z.enum(['pending', 'complete', 'failed', 'stopped']),
  model: z.string().nullable(),
  promptTokens: z.int(),
  completionTokens: z.int(),
  error: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export class MessageResponse extends zodDto(messageSchema) {}

/** A reply as JSON (POST messages and regenerate without Accept: text/event-stream). */
export class ReplyResponse extends zodDto(
  z.object({
    reply: z.string(),
    model: z.string(),
    mock: z.boolean(),
    messageId: z.guid(),
    message: messageSchema,
    usage: tokenUsage,
  }),
) {}
