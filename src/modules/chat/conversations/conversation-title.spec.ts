import { describe, expect, it } from '@jest/globals';
import { cleanTitle, TITLE_EXCHANGE_CHARS, TITLE_INSTRUCTION, TITLE_MAX_CHARS, TITLE_MAX_TOKENS, titleRequest, userTitleProblem } from './conversation-title.js';

describe('cleanTitle: what the model answered, made a title', () => {
  it.each([
    ['Refund timing', 'Refund timing'],
    ['  "Refund timing."  ', 'Refund timing'],
    ['Title: Refund timing', 'Refund timing'],
    ['**Title:** Refund timing', 'Refund timing'],
    ['“Délais de remboursement”', 'Délais de remboursement'],
    ['\n\nRefund   timing\nThis conversation is about refunds.', 'Refund timing'],
    ["'Why is the sky blue?'", 'Why is the sky blue'],
    ['`Shipping to Norway`!', 'Shipping to Norway'],
  ])('%j → %j', (text, title) => {
    expect(cleanTitle(text)).toBe(title);
  });

  it('is null when nothing is left', () => {
    expect(cleanTitle('')).toBeNull();
    expect(cleanTitle(' \n "" \n')).toBeNull();
    expect(cleanTitle('Title: ...')).toBeNull();
  });

  it(`cuts at ${TITLE_MAX_CHARS} characters with an ellipsis, by character`, () => {
    const title = cleanTitle('😀'.repeat(200))!;
    expect(Array.from(title)).toHaveLength(TITLE_MAX_CHARS);
    expect(title.endsWith('…')).toBe(true);
    expect(title.startsWith('😀😀')).toBe(true);
  });
});

describe('titleRequest', () => {
  it('sends the fixed instruction and the first exchange, bounded, with the tenant’s model', () => {
    const request = titleRequest({ question: 'how\nlong   do refunds take?', answer: 'x'.repeat(5000) }, { model: 'gpt-x', welcome: 'Hi' });

    expect(request).toMatchObject({ model: 'gpt-x', systemPrompt: TITLE_INSTRUCTION, history: [], maxTokens: TITLE_MAX_TOKENS, welcome: 'Hi' });
    expect(request.message.startsWith('User: how long do refunds take?\n\nAssistant: xxx')).toBe(true);
    expect(request.message.length).toBeLessThanOrEqual('User: how long do refunds take?\n\nAssistant: '.length + TITLE_EXCHANGE_CHARS);
  });
});

describe('userTitleProblem', () => {
  it('accepts one line of 1 to 80 characters', () => {
    expect(userTitleProblem('Refunds')).toBeNull();
    expect(userTitleProblem('é'.repeat(TITLE_MAX_CHARS))).toBeNull();
  });

  it.each([
    ['', 'must not be empty'],
    ['x'.repeat(TITLE_MAX_CHARS + 1), `must be at most ${TITLE_MAX_CHARS} characters`],
    ['two\nlines', 'must be one line, without control characters'],
    ['tab\there', 'must be one line, without control characters'],
  ])('refuses %j', (title, problem) => {
    expect(userTitleProblem(title)).toBe(problem);
  });
});
