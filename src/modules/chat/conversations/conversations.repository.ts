import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../../platform/db/tenant-db.js';
import type { ChatTurn } from '../providers/chat-provider.js';
import { likeLiteral } from '../../../platform/db/like.js';
import { type Row, type SqlText, type Statement, sqlText as sql, statement } from '../../../platform/db/statement.js';

export type Channel = 'api' | 'widget';
/** Who wrote a conversation's title; null: no title, or the placeholder cut from its first message. */
export type TitleSource = 'generated' | 'user';
/** stopped: its user stopped it; the text produced until then is kept. */
export type MessageStatus = 'pending' | 'complete' | 'failed' | 'stopped';

export interface ConversationView {
  id: string;
  channel: Channel;
  /** The user who started it; null for widget sessions and API keys acting as no user. */
  userId: string | null;
  title: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface MessageView {
  id: string;
  conversationId: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  model: string | null;
  /** Assistant messages: the provider's counts for the exchange. User messages: an estimate of their own text. */
  promptTokens: number;
  completionTokens: number;
  error: string | null;
  createdAt: Date;
}

/** Whose conversations a caller may see: all of the tenant's, one user's, or those of no user. */
/** All of the tenant's conversations, or those of one user (or of no user, on one channel). */
export type ConversationScope = { all: true } | { all: false; userId: string; channel?: undefined } | { all: false; userId: null; channel: Channel };

export interface NewMessage {
  tenantId: string;
  conversationId: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  createdAt: Date;
}

export interface MessageOutcome {
  status: 'complete' | 'failed' | 'stopped';
  content: string;
  promptTokens: number;
  completionTokens: number;
  error: string | null;
}

const CONVERSATION = { id: true, channel: true, userId: true, title: true, createdAt: true, updatedAt: true } as const;
const MESSAGE = {
  id: true,
  conversationId: true,
  role: true,
  content: true,
  status: true,
  model: true,
  promptTokens: true,
  completionTokens: true,
  error: true,
  createdAt: true,
} as const;

const messageOf = (r: Row): MessageView => ({
  id: r.id as string,
  conversationId: r.conversation_id as string,
  role: r.role as MessageView['role'],
  content: r.content as string,
  status: r.status as MessageStatus,
  model: (r.model as string | null) ?? null,
  promptTokens: Number(r.prompt_tokens),
  completionTokens: Number(r.completion_tokens),
  error: (r.error as string | null) ?? null,
  createdAt: new Date(r.created_at as string | Date),
});

/** A conversation about to get a new turn, and the history the model gets with it. */
export interface TurnContext {
  conversation: ConversationView;
  history: ChatTurn[];
}

/** The scope as SQL over conversations `c`: all, one user's, or no user's on one channel. */
const scopeSql = (scope: ConversationScope): SqlText =>
  scope.all ? sql`true` : scope.userId !== null ? sql`c.user_id = ${scope.userId}::uuid` : sql`(c.user_id is null and c.channel = ${scope.channel}::text)`;

const conversationOf = (r: Row): ConversationView => ({
  id: r.id as string,
  channel: r.channel as Channel,
  userId: (r.user_id as string | null) ?? null,
  title: (r.title as string | null) ?? null,
  createdAt: new Date(r.created_at as string | Date),
  updatedAt: new Date(r.updated_at as string | Date),
});

const scopeWhere = (scope: ConversationScope) =>
  scope.all ? {} : scope.userId !== null ? { userId: scope.userId } : { userId: null, channel: scope.channel };

@Injectable()
export class ConversationsRepository {
  constructor(private readonly db: TenantDb) {}

  async create(tenantId: string, channel: Channel, userId: string | null, id?: string): Promise<ConversationView> {
    return (await this.db.client.conversation.create({ data: { tenantId, channel, userId, ...(id !== undefined && { id }) }, select: CONVERSATION })) as ConversationView;
  }

  /** The conversation if it exists in this tenant (RLS) and lies in the caller's scope. */
  async find(tenantId: string, id: string, scope: ConversationScope): Promise<ConversationView | null> {
    return (await this.db.client.conversation.findFirst({ where: { tenantId, id, ...scopeWhere(scope) }, select: CONVERSATION })) as ConversationView | null;
  }

  /**
   * `find` and `history` in ONE statement: the conversation if it lies in the caller's scope, and
   * its last `limit` complete messages (before `before`, when given), oldest first; null when the
   * conversation is not there for this caller.
   */
  turnContext(tenantId: string, id: string, scope: ConversationScope, limit: number, before?: Date): Statement<TurnContext | null> {
    return statement(
      sql`
      select c.id, c.channel, c.user_id, c.title, c.created_at, c.updated_at,
             coalesce((select json_agg(json_build_object('role', h.role, 'content', h.content) order by h.created_at, h.id)
                         from (select m.role, m.content, m.created_at, m.id from messages m
                                where m.tenant_id = c.tenant_id and m.conversation_id = c.id and m.status = 'complete'
                                  and (${before ?? null}::timestamptz is null or m.created_at < ${before ?? null}::timestamptz)
                                order by m.created_at desc, m.id desc
                                limit ${limit}::int) as h), '[]'::json) as history
        from conversations c
       where c.tenant_id = ${tenantId}::uuid and c.id = ${id}::uuid and ${scopeSql(scope)}`,
      ([r]) =>
        r === undefined
          ? null
          : {
              conversation: conversationOf(r),
              history: (typeof r.history === 'string' ? (JSON.parse(r.history) as ChatTurn[]) : (r.history as ChatTurn[])).map((t) => ({ role: t.role, content: t.content })),
            },
    );
  }

  /**
   * Most recently active first; `after` is the last row of the previous page. Sent by pg itself
   * (TenantDb.batch), not through Prisma's client: the chat page lists conversations on every load.
   */
  async list(
    tenantId: string,
    scope: ConversationScope,
    filter: { channel?: Channel; q?: string },
    limit: number,
    after?: { updatedAt: Date; id: string },
  ): Promise<ConversationView[]> {
    const [rows] = await this.db.batch(
      statement(
        sql`
        select c.id, c.channel, c.user_id, c.title, c.created_at, c.updated_at
          from conversations c
         where c.tenant_id = ${tenantId}::uuid and ${scopeSql(scope)}
           ${filter.channel ? sql`and c.channel = ${filter.channel}::text` : sql``}
           ${filter.q ? sql`and c.title ilike ${`%${likeLiteral(filter.q)}%`}::text` : sql``}
           ${after ? sql`and (c.updated_at, c.id) < (${after.updatedAt.toISOString()}::timestamptz, ${after.id}::uuid)` : sql``}
         order by c.updated_at desc, c.id desc
         limit ${limit}::int`,
        (rows) => rows.map(conversationOf),
      ),
    );
    return rows;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const { count } = await this.db.client.conversation.deleteMany({ where: { tenantId, id } });
    return count > 0;
  }

  /** Who wrote the title ('generated', 'user'; null: none or the placeholder); undefined when there is no such conversation. */
  async titleSource(tenantId: string, id: string, scope: ConversationScope): Promise<TitleSource | null | undefined> {
    const row = await this.db.client.conversation.findFirst({ where: { tenantId, id, ...scopeWhere(scope) }, select: { titleSource: true } });
    return row ? (row.titleSource as TitleSource | null) : undefined;
  }

  /** A title set by a user: it replaces any other, and no generated title ever replaces it. Not new activity. */
  async setUserTitle(tenantId: string, id: string, title: string): Promise<ConversationView | null> {
    const [row] = await this.db.sql<ConversationView>`
      update conversations set title = ${title}, title_source = 'user'
      where tenant_id = ${tenantId}::uuid and id = ${id}::uuid
      returning id, channel, user_id as "userId", title, created_at as "createdAt", updated_at as "updatedAt"`;
    return row ?? null;
  }

  /** Stores a generated title unless a user set one (or one was generated) meanwhile; false when it did not. */
  async setGeneratedTitle(tenantId: string, id: string, title: string): Promise<boolean> {
    const rows = await this.db.sql<{ id: string }>`
      update conversations set title = ${title}, title_source = 'generated'
      where tenant_id = ${tenantId}::uuid and id = ${id}::uuid and title_source is null
      returning id`;
    return rows.length > 0;
  }

  /** The first complete answer and the question it answered, or null while there is no complete answer. */
  async firstExchange(tenantId: string, conversationId: string): Promise<{ question: string; answer: string } | null> {
    const answer = await this.db.client.message.findFirst({
      where: { tenantId, conversationId, role: 'assistant', status: 'complete' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { content: true, createdAt: true },
    });
    if (!answer) return null;
    const question = await this.db.client.message.findFirst({
      where: { tenantId, conversationId, role: 'user', status: 'complete', createdAt: { lt: answer.createdAt } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: { content: true },
    });
    return question ? { question: question.content, answer: answer.content } : null;
  }

  /** The last `limit` complete messages (before `before`, when given), oldest first: the context sent to the model. */
  async history(tenantId: string, conversationId: string, limit: number, before?: Date): Promise<ChatTurn[]> {
    const rows = await this.db.client.message.findMany({
      where: { tenantId, conversationId, status: 'complete', ...(before && { createdAt: { lt: before } }) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
      select: { role: true, content: true },
    });
    return rows.reverse().map((r) => ({ role: r.role as ChatTurn['role'], content: r.content }));
  }

  /** Oldest first; `after` is the last row of the previous page. */
  async messages(tenantId: string, conversationId: string, limit: number, after?: { createdAt: Date; id: string }): Promise<MessageView[]> {
    const rows = await this.db.client.message.findMany({
      where: {
        tenantId,
        conversationId,
        ...(after && { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: limit,
      select: MESSAGE,
    });
    return rows as MessageView[];
  }

  /** The conversation's last `count` messages, newest first. */
  async lastMessages(tenantId: string, conversationId: string, count: number): Promise<MessageView[]> {
    const rows = await this.db.client.message.findMany({
      where: { tenantId, conversationId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: count,
      select: MESSAGE,
    });
    return rows as MessageView[];
  }

  async findMessage(tenantId: string, conversationId: string, id: string): Promise<MessageView | null> {
    return (await this.db.client.message.findFirst({ where: { tenantId, conversationId, id }, select: MESSAGE })) as MessageView | null;
  }

  async deleteMessage(tenantId: string, id: string): Promise<void> {
    await this.db.client.message.deleteMany({ where: { tenantId, id } });
  }

  /** The text so far of a reply in progress; a reply that has ended meanwhile is left alone. */
  async savePartial(tenantId: string, id: string, content: string): Promise<void> {
    await this.db.client.message.updateMany({ where: { tenantId, id, status: 'pending' }, data: { content } });
  }

  /** Inserts the messages in one statement (ids given by the caller). */
  /**
   * A turn's messages, and the conversation touched as `touch` does, in ONE statement (a reply's
   * hot path: one round trip instead of two). The messages must all belong to `conversationId`.
   */
  async insertTurn(tenantId: string, conversationId: string, messages: Array<NewMessage & { id: string }>, title: string, at: Date): Promise<void> {
    await this.db.batch(this.turnInsertion(tenantId, conversationId, messages, title, at));
  }

  /** `insertTurn` as a statement, to send with the reservation it depends on (TenantDb.batch). */
  turnInsertion(tenantId: string, conversationId: string, messages: Array<NewMessage & { id: string }>, title: string, at: Date): Statement<void> {
    const column = <K extends keyof NewMessage | 'id'>(key: K) => messages.map((m) => (m)[key]);
    return statement(
      sql`
      with touched as (
        update conversations set updated_at = ${at.toISOString()}::timestamptz, title = coalesce(title, ${title}::text)
        where tenant_id = ${tenantId}::uuid and id = ${conversationId}::uuid
      )
      insert into messages (tenant_id, conversation_id, id, role, content, status, model, prompt_tokens, completion_tokens, created_at)
      select ${tenantId}::uuid, ${conversationId}::uuid, m.id, m.role, m.content, m.status, m.model, m.prompt_tokens, m.completion_tokens, m.created_at
        from unnest(${column('id')}::uuid[], ${column('role')}::text[], ${column('content')}::text[], ${column('status')}::text[],
                    ${column('model')}::text[], ${column('promptTokens')}::int[], ${column('completionTokens')}::int[],
                    ${messages.map((m) => m.createdAt.toISOString())}::timestamptz[])
             as m(id, role, content, status, model, prompt_tokens, completion_tokens, created_at)`,
      () => undefined,
    );
  }

  /**
   * Fails at most `limit` assistant replies still pending that began before `begunBefore` (their
   * process died), oldest first; returns their ids. A reply that its process completes meanwhile is
   * left alone: the status is checked again on the locked row.
   */
  async failPendingReplies(tenantId: string, begunBefore: Date, error: string, limit: number): Promise<string[]> {
    const rows = await this.db.sql<{ id: string }>`
      update messages set status = 'failed', error = ${error}
      where tenant_id = ${tenantId}::uuid and status = 'pending' and id in (
        select id from messages
        where tenant_id = ${tenantId}::uuid and role = 'assistant' and status = 'pending' and created_at < ${begunBefore}
        order by created_at
        limit ${limit})
      returning id`;
    return rows.map((r) => r.id);
  }

  /** Completes or fails a pending message; null when it is gone (its conversation was deleted meanwhile). */
  async finishMessage(tenantId: string, id: string, outcome: MessageOutcome): Promise<MessageView | null> {
    const [message] = await this.db.batch(this.finishing(tenantId, id, outcome));
    return message;
  }

  /** `finishMessage` as a statement, to send with the usage it settles (TenantDb.batch): the message, or null when it is no longer pending (or gone). */
  finishing(tenantId: string, id: string, outcome: MessageOutcome): Statement<MessageView | null> {
    return statement(
      sql`
      update messages set status = ${outcome.status}::text, content = ${outcome.content}::text, error = ${outcome.error}::text,
                          prompt_tokens = ${outcome.promptTokens}::int, completion_tokens = ${outcome.completionTokens}::int
       where tenant_id = ${tenantId}::uuid and id = ${id}::uuid and status = 'pending'
      returning id, conversation_id, role, content, status, model, prompt_tokens, completion_tokens, error, created_at`,
      ([r]) => (r === undefined ? null : messageOf(r)),
    );
  }
}
