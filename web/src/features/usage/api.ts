import { call, client } from '../../api/client.ts';
import { type BreakdownTables, toBreakdownTables } from './breakdown.ts';

export const getUsage = () => call(client.GET('/api/v1/usage'));

/** This period's use per member, API key and model, as the overview's tables. */
export const getBreakdown = async (): Promise<BreakdownTables> => toBreakdownTables(await call(client.GET('/api/v1/usage/breakdown', {})), '—');

/** The tenant's API traffic per day and per API key (requests, error rate, p95), from the API's rollup. */
export const getTraffic = (days: number) => call(client.GET('/api/v1/usage/traffic', { params: { query: { days } } }));
