import { describe, expect, it } from '@jest/globals';
import { eventRefs } from './stripe-event-refs.js';

const event = (object: unknown) => ({ data: { object } });

describe('eventRefs: the ids an event names, nothing else', () => {
  it('checkout.session.completed (subscription mode): customer and subscription', () => {
    expect(eventRefs('checkout.session.completed', event({ mode: 'subscription', customer: 'cus_1', subscription: 'sub_1', status: 'complete' }))).toEqual({
      customerId: 'cus_1',
      subscriptionId: 'sub_1',
    });
  });

  it('checkout.session.completed in payment mode names no subscription', () => {
    expect(eventRefs('checkout.session.completed', event({ mode: 'payment', customer: 'cus_1', subscription: null }))).toEqual({ customerId: null, subscriptionId: null });
  });

  it('customer.subscription.*: the subscription itself and its customer, expanded or not', () => {
    expect(eventRefs('customer.subscription.updated', event({ id: 'sub_2', customer: { id: 'cus_2', object: 'customer' }, status: 'active' }))).toEqual({
      customerId: 'cus_2',
      subscriptionId: 'sub_2',
    });
  });

  it('invoice.*: the subscription under parent.subscription_details (current API), or at the top (older API versions)', () => {
    const current = { id: 'in_1', customer: 'cus_3', parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_3' } } };
    expect(eventRefs('invoice.paid', event(current))).toEqual({ customerId: 'cus_3', subscriptionId: 'sub_3', invoiceId: 'in_1' });
    expect(eventRefs('invoice.payment_failed', event({ id: 'in_2', customer: 'cus_4', subscription: 'sub_4' }))).toEqual({
      customerId: 'cus_4',
      subscriptionId: 'sub_4',
      invoiceId: 'in_2',
    });
  });

  it.each([
    ['a payload without data', 'invoice.paid', {}],
    ['ids of the wrong kind', 'customer.subscription.updated', event({ id: 'cus_x', customer: 'sub_x' })],
    ['an id carrying SQL', 'customer.subscription.updated', event({ id: "sub_1'; drop table tenants; --", customer: 'cus_1' })],
    ['an unhandled type', 'charge.succeeded', event({ customer: 'cus_1' })],
  ])('%s names nothing', (_name, type, payload) => {
    expect(eventRefs(type, payload)).toMatchObject({ customerId: null, subscriptionId: null });
  });
});
