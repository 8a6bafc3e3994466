import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../platform/config/config.js';
import { OutboundHttp } from '../../../platform/outbound/outbound-http.js';
import { BuiltinProvider } from './builtin-provider.js';
import type { ChatProvider } from './chat-provider.js';
import { observedProvider } from './observed-provider.js';
import { OpenAiCompatibleProvider } from './openai-compatible-provider.js';

export type ProviderKind = 'builtin' | 'openai_compatible';

export interface ProviderSettings {
  provider: ProviderKind;
  baseUrl: string | null;
  /** Decrypted, for this call only; never logged. */
  apiKey?: string;
}

/** Picks the provider of a tenant's assistant configuration. */
@Injectable()
export class ChatProviders {
  private readonly builtin = new BuiltinProvider();

  constructor(
    private readonly config: AppConfig,
    private readonly http: OutboundHttp,
  ) {}

  for(settings: ProviderSettings): ChatProvider {
    return observedProvider(this.select(settings));
  }

  private select(settings: ProviderSettings): ChatProvider {
    if (settings.provider === 'builtin') return this.builtin;
    if (!settings.baseUrl) throw new Error('An openai_compatible assistant has no base URL (the configuration rules forbid it)');
    return new OpenAiCompatibleProvider({
      baseUrl: settings.baseUrl,
      apiKey: settings.apiKey,
      timeoutMs: this.config.env.PROVIDER_TIMEOUT_MS,
      maxRetries: this.config.env.PROVIDER_MAX_RETRIES,
      http: this.http,
    });
  }
}
