/**
 * The visitor's conversation, kept in localStorage so that it survives page loads: one entry per
 * API origin and tenant (two Tenantry deployments, or two tenants on one page, never mix). Storage
 * may be unavailable (private modes, blocked cookies, a sandboxed frame): the widget then keeps the
 * conversation in memory for the page's life.
 */

export interface StoredMessage {
  from: 'visitor' | 'assistant';
  text: string;
}

export interface StoredConversation {
  sessionId: string;
  name: string;
  messages: StoredMessage[];
}

/** The transcript kept: the last messages only, so that storage stays small whatever the visitor writes. */
export const MAX_STORED_MESSAGES = 40;
const MAX_STORED_CHARS = 4_000;
const PREFIX = 'tenantry-widget:v1:';

export const storageKey = (apiOrigin: string, tenant: string) => `${PREFIX}${apiOrigin}:${tenant}`;

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function isConversation(value: unknown): value is StoredConversation {
  const v = value as StoredConversation | null;
  return (
    typeof v?.sessionId === 'string' &&
    typeof v.name === 'string' &&
    Array.isArray(v.messages) &&
    v.messages.every((m) => (m?.from === 'visitor' || m?.from === 'assistant') && typeof m.text === 'string')
  );
}

export class ConversationStore {
  private memory: StoredConversation | null = null;

  constructor(private readonly key: string) {}

  load(): StoredConversation | null {
    try {
      const raw = storage()?.getItem(this.key);
      if (raw) {
        const parsed: unknown = JSON.parse(raw);
        if (isConversation(parsed)) return parsed;
        storage()?.removeItem(this.key); // written by another version, or tampered with: start afresh
      }
    } catch {
      // unreadable: fall back to memory
    }
    return this.memory;
  }

  save(conversation: StoredConversation): void {
    const bounded = {
      ...conversation,
      messages: conversation.messages.slice(-MAX_STORED_MESSAGES).map((m) => ({ from: m.from, text: m.text.slice(0, MAX_STORED_CHARS) })),
    };
    this.memory = bounded;
    try {
      storage()?.setItem(this.key, JSON.stringify(bounded));
    } catch {
      // quota or no storage: memory only
    }
  }

  clear(): void {
    this.memory = null;
    try {
      storage()?.removeItem(this.key);
    } catch {
      // nothing stored
    }
  }
}
