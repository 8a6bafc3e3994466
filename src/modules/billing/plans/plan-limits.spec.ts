import { describe, expect, it } from '@jest/globals';
import { isModelAllowed, mergeLimits, type PlanLimits } from './plan-limits.js';

const pro: PlanLimits = { seats: 25, messages_per_month: 50_000, tokens_per_month: 10_000_000, chat_per_10s: 20, api_per_minute: 600, allowed_models: ['mock-1'] };

describe('mergeLimits', () => {
  it('replaces the plan’s values key by key with valid overrides', () => {
    expect(mergeLimits(pro, { chat_per_10s: 8, allowed_models: ['llama3'] })).toEqual({ ...pro, chat_per_10s: 8, allowed_models: ['llama3'] });
  });

  it.each([null, [], 'x', { seats: -1 }, { seats: 1.5 }, { tokens_per_month: '9' }, { unknown_limit: 3 }])('ignores %j', (overrides) => {
    expect(mergeLimits(pro, overrides)).toEqual(pro);
  });
});

describe('isModelAllowed', () => {
  it('allows the listed models, or any model with "*"', () => {
    expect(isModelAllowed(pro, 'mock-1')).toBe(true);
    expect(isModelAllowed(pro, 'gpt-4o')).toBe(false);
    expect(isModelAllowed({ ...pro, allowed_models: ['*'] }, 'gpt-4o')).toBe(true);
  });
});
