import type { ChatRequest } from '../providers/chat-provider.js';

/** Longest title stored, from the model or from a user. */
export const TITLE_MAX_CHARS = 80;
/** The model's answer is cut there: a title is a few words. */
export const TITLE_MAX_TOKENS = 32;
/** How much of the first question and of the first answer the model is shown. */
export const TITLE_EXCHANGE_CHARS = 1_000;
/** Low: the same exchange should get about the same title. */
const TITLE_TEMPERATURE = 0.2;

/** Fixed for every tenant: the tenant's own system prompt is about answering, not titling. */
export const TITLE_INSTRUCTION =
  'You write titles for chat conversations. Given the first exchange of a conversation, reply with a title of at most ' +
  'eight words that says what the user wants, in the language the user wrote in. Reply with the title only: no quotes, ' +
  'no "Title:", no final punctuation.';

export interface FirstExchange {
  question: string;
  answer: string;
}

/** The request that asks the tenant's model for a title: the fixed instruction and the bounded exchange. */
export function titleRequest(exchange: FirstExchange, settings: { model: string; welcome: string }): ChatRequest {
  return {
    model: settings.model,
    systemPrompt: TITLE_INSTRUCTION,
    history: [],
    message: `User: ${bound(exchange.question)}\n\nAssistant: ${bound(exchange.answer)}`,
    temperature: TITLE_TEMPERATURE,
    maxTokens: TITLE_MAX_TOKENS,
    welcome: settings.welcome,
  };
}

/**
 * The model's answer made a title: its first non-empty line, without a "Title:" label, wrapping
 * quotes or markdown emphasis, or final punctuation; whitespace collapsed; at most TITLE_MAX_CHARS.
 * Null when nothing is left.
 */
export function cleanTitle(text: string): string | null {
  const line = text.split(/\r?\n/).find((l) => l.trim().length > 0) ?? '';
  let title = line.replace(/\s+/g, ' ').trim();
  for (let previous = ''; previous !== title; ) {
    previous = title;
    title = title.replace(/^#+\s*/, '').replace(/^[*_]*title[*_]*\s*:[*_]*\s*/i, '');
    title = title.replace(/^["'“”‘’`*_]+|["'“”‘’`*_]+$/g, '').trim();
    title = title.replace(/[.。!！?？:;,]+$/u, '').trim();
  }
  return title.length === 0 ? null : cut(title, TITLE_MAX_CHARS);
}

/** A title a user gives: trimmed, one line, 1 to TITLE_MAX_CHARS characters; the reason when it is not. */
export function userTitleProblem(title: string): string | null {
  if (title.length === 0) return 'must not be empty';
  if (Array.from(title).length > TITLE_MAX_CHARS) return `must be at most ${TITLE_MAX_CHARS} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(title)) return 'must be one line, without control characters';
  return null;
}

function bound(text: string): string {
  return cut(text.replace(/\s+/g, ' ').trim(), TITLE_EXCHANGE_CHARS);
}

/** At most `max` characters, by code point, with an ellipsis when cut. */
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join('').trimEnd()}…` : text;
}
