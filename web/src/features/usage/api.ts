import { call, client, isNotAvailable } from '../../api/client.ts';
import type { UsageBreakdown, UsageReport } from '../../api/views.ts';

export const getUsage = () => call<UsageReport>(client.GET('/api/v1/usage'));

/** Per member, API key and model (pending route); null when the server does not have it yet. */
export async function getBreakdown(): Promise<UsageBreakdown | null> {
  try {
    return await call<UsageBreakdown>(client.GET('/api/v1/usage/breakdown', {}));
  } catch (error) {
    if (isNotAvailable(error)) return null;
    throw error;
  }
}

/** The tenant's API traffic per day and per API key (requests, error rate, p95), from the API's rollup. */
export const getTraffic = (days: number) => call(client.GET('/api/v1/usage/traffic', { params: { query: { days } } }));
