/** The platform console's analytics and jobs calls (generated client; platform admins only). */
import { call, client } from '../../api/client.ts';
import type { components } from '../../api/schema';

export type PlatformAnalytics = components['schemas']['PlatformAnalytics'];
export type DayCount = PlatformAnalytics['signupsPerDay'][number];
export type FailedJob = components['schemas']['FailedJob'];
export type QueueSummary = components['schemas']['QueueSummaryList']['data'][number];
export type StripeInboxEvent = components['schemas']['StripeInboxEvent'];

/** The windows the console offers (the API takes 1 to 365 days). */
export const ANALYTICS_WINDOWS = [7, 30, 90] as const;
export type AnalyticsWindow = (typeof ANALYTICS_WINDOWS)[number];

export const getAnalytics = (days: AnalyticsWindow) => call(client.GET('/api/v1/admin/analytics', { params: { query: { days } } }));

export const getQueues = () => call(client.GET('/api/v1/admin/jobs/queues'));

export const getFailedJobs = (queue: string, cursor?: string) =>
  call(client.GET('/api/v1/admin/jobs/failed', { params: { query: { queue, limit: 50, ...(cursor ? { cursor } : {}) } } }));

export const retryJob = (queue: string, id: string) => call(client.POST('/api/v1/admin/jobs/{queue}/{id}/retry', { params: { path: { queue, id } } }));

export const retryAllJobs = (queue: string) => call(client.POST('/api/v1/admin/jobs/{queue}/retry', { params: { path: { queue } } }));

export const getFailedStripeEvents = (cursor?: string) =>
  call(client.GET('/api/v1/admin/stripe/events', { params: { query: { status: 'failed', limit: 50, ...(cursor ? { cursor } : {}) } } }));

export const resendStripeEvent = (id: string) => call(client.POST('/api/v1/admin/stripe/events/{id}/retry', { params: { path: { id } } }));
