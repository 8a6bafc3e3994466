import { z } from 'zod';
import { count, type Jsonified, named, pageOf, timestamp } from '../../../../platform/http/api-schemas.js';
import type { ReplyResult } from '../chat.service.js';
import type { ConversationView, MessageView } from '../conversations.repository.js';

/** Response bodies of the conversation routes (requests: conversation.dto.ts). */
export const startedConversationSchema = named('StartedConversation', z.object({ id: z.string(), welcome: z.string() })) satisfies z.ZodType<{
  id: string;
  welcome: string;
}>;

export const conversationSchema = named(
  'Conversation',
  z.object({
    id: z.string(),
    channel: z.enum(['api', 'widget']),
    userId: z.string().nullable().meta({ description: 'Who started it; null for widget sessions and API keys' }),
    title: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
) satisfies z.ZodType<Jsonified<ConversationView>>;

export const conversationPageSchema = pageOf('ConversationPage', conversationSchema);

export const messageSchema = named(
  'Message',
  z.object({
    id: z.string(),
    conversationId: z.string(),
    role: z.enum(['user', 'assistant']),
    content: z.string(),
    status: z.enum(['pending', 'complete', 'failed', 'stopped']).meta({ description: 'pending: being generated (content is the text so far); stopped: its user stopped it' }),
    model: z.string().nullable(),
    promptTokens: count,
    completionTokens: count,
    error: z.string().nullable(),
    createdAt: timestamp,
  }),
) satisfies z.ZodType<Jsonified<MessageView>>;

export const messagePageSchema = pageOf('MessagePage', messageSchema);

const tokenUsage = z.object({ promptTokens: count, completionTokens: count });

export const chatReplySchema = named(
  'ChatReply',
  z
    .object({
      reply: z.string(),
      model: z.string(),
      mock: z.boolean().meta({ description: 'True for the built-in deterministic models' }),
      messageId: z.string(),
      message: messageSchema,
      usage: tokenUsage,
    })
    .meta({
      description:
        'With `Accept: text/event-stream`: server-sent events `delta` ({text}), then `done` ({messageId, model, mock, usage, reply}), `stopped` ({messageId, model, usage, reply}) or `error` (a problem document); the header X-Message-Id names the reply',
    }),
) satisfies z.ZodType<Jsonified<ReplyResult>>;
