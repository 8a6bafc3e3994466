import { z } from 'zod';
import { pageQuerySchema } from '../../../../platform/http/pagination.js';
import { zodDto } from '../../../../platform/http/validation.js';

/** `q`: a case-insensitive substring of the title (taken literally: `%`, `_` and the backslash are not wildcards). */
export class ListConversationsQuery extends zodDto(
  pageQuerySchema.extend({
    channel: z.enum(['api', 'widget']).optional(),
    q: z.string().trim().min(1).max(100).optional().meta({ description: 'Case-insensitive substring of the title, taken literally' }),
  }),
) {}

export class ListMessagesQuery extends zodDto(pageQuerySchema) {}

export class ConversationParams extends zodDto(z.object({ id: z.guid() })) {}

/** The length rule (1 to MAX_MESSAGE_CHARS after trimming) is the chat service's, for every channel. */
export class PostMessageBody extends zodDto(z.strictObject({ content: z.string() })) {}

/** The title rules (one line, 1 to 80 characters after trimming) are the conversations service's. */
export class RenameConversationBody extends zodDto(z.strictObject({ title: z.string() })) {}

export class MessageParams extends zodDto(z.object({ id: z.guid(), messageId: z.guid() })) {}
