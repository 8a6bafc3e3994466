import { describe, expect, it } from '@jest/globals';
import { decide } from './subscription-state.js';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const DAY = 86_400_000;
const onPro = { plan: 'pro', graceUntil: null };

describe('decide: Stripe subscription status -> plan, grace period, suspension', () => {
  it.each(['active', 'trialing'])('%s: the plan its price sells, no grace, a billing suspension lifted', (status) => {
    expect(decide(status, 'enterprise', { plan: 'free', graceUntil: new Date(NOW.getTime() - DAY) }, NOW, 7)).toEqual({
      plan: 'enterprise',
      graceUntil: null,
      suspend: false,
      resume: true,
    });
  });

  it('past_due: keeps the paid plan and starts a grace period of the configured days', () => {
    expect(decide('past_due', 'pro', onPro, NOW, 7)).toEqual({ plan: 'pro', graceUntil: new Date(NOW.getTime() + 7 * DAY), suspend: false, resume: false });
  });

  it('past_due again: the grace period already running is kept, not extended', () => {
    const graceUntil = new Date(NOW.getTime() + DAY);
    expect(decide('past_due', 'pro', { plan: 'pro', graceUntil }, NOW, 7)).toMatchObject({ graceUntil, suspend: false });
  });

  it('past_due after the grace period: suspend', () => {
    const graceUntil = new Date(NOW.getTime() - 1);
    expect(decide('past_due', 'pro', { plan: 'pro', graceUntil }, NOW, 7)).toEqual({ plan: 'pro', graceUntil, suspend: true, resume: false });
  });

  it('past_due with a grace of 0 days suspends at once', () => {
    expect(decide('past_due', 'pro', onPro, NOW, 0)).toMatchObject({ suspend: true });
  });

  it('unpaid: suspend, plan unchanged', () => {
    expect(decide('unpaid', 'pro', onPro, NOW, 7)).toEqual({ plan: 'pro', graceUntil: null, suspend: true, resume: false });
  });

  it.each(['canceled', 'incomplete_expired', 'paused'])('%s: back to free, grace cleared, a billing suspension lifted', (status) => {
    expect(decide(status, 'pro', { plan: 'pro', graceUntil: new Date(NOW.getTime() + DAY) }, NOW, 7)).toEqual({
      plan: 'free',
      graceUntil: null,
      suspend: false,
      resume: true,
    });
  });

  it.each(['incomplete', 'some_future_status'])('%s: nothing changes', (status) => {
    const current = { plan: 'free', graceUntil: new Date(NOW.getTime() + DAY) };
    expect(decide(status, 'pro', current, NOW, 7)).toEqual({ ...current, suspend: false, resume: false });
  });

  it('active with a price that sells no plan keeps the current plan (the sync service refuses that case loudly)', () => {
    expect(decide('active', null, onPro, NOW, 7)).toMatchObject({ plan: 'pro' });
  });
});
