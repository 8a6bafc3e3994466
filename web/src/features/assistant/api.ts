import { call, client } from '../../api/client.ts';
import type { AssistantView, Page, PromptView } from '../../api/views.ts';

export type AssistantChange = Partial<Omit<AssistantView, 'hasApiKey' | 'activePromptVersion' | 'updatedAt'> & { apiKey: string | null }>;

export const getAssistant = () => call<AssistantView>(client.GET('/api/v1/assistant'));
export const updateAssistant = (body: AssistantChange) => call<AssistantView>(client.PATCH('/api/v1/assistant', { body }));
export const listPrompts = () => call<Page<PromptView>>(client.GET('/api/v1/assistant/prompts', { params: { query: { limit: 100 } } }));
export const createPrompt = (template: string) => call<PromptView>(client.POST('/api/v1/assistant/prompts', { body: { template } }));
export const publishPrompt = (version: number) => call<AssistantView>(client.POST('/api/v1/assistant/prompts/{version}/publish', { params: { path: { version } } }));
