import { call, client } from '../../api/client.ts';
import type { components } from '../../api/schema';

export type AssistantChange = components['schemas']['UpdateAssistantBody'];

export const getAssistant = () => call(client.GET('/api/v1/assistant'));
export const updateAssistant = (body: AssistantChange) => call(client.PATCH('/api/v1/assistant', { body }));
export const listPrompts = () => call(client.GET('/api/v1/assistant/prompts', { params: { query: { limit: 100 } } }));
export const createPrompt = (template: string) => call(client.POST('/api/v1/assistant/prompts', { body: { template } }));
export const publishPrompt = (version: number) => call(client.POST('/api/v1/assistant/prompts/{version}/publish', { params: { path: { version } } }));
