// The adapter for each provider kind the snapshot can name (OpenAI-compatible ones with their quirks).
import type { SnapshotProvider } from '../../../shared/src/snapshot.ts';
import { anthropicAdapter } from './anthropic/anthropic-adapter.ts';
import { geminiAdapter } from './gemini/gemini-adapter.ts';
import { mistralAdapter } from './mistral/mistral-adapter.ts';
import { openAICompatibleAdapter } from './openai-compatible/openai-compatible-adapter.ts';
import { openAICompatibleAdapterFor } from './openai-compatible/openai-compatible-quirks.ts';
import type { ProviderAdapter, ProviderKind } from './provider-adapter.ts';

export const providerAdapters: Readonly<Record<ProviderKind, ProviderAdapter>> = {
  'openai-compatible': openAICompatibleAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  mistral: mistralAdapter,
};

export function adapterForProvider(provider: Pick<SnapshotProvider, 'kind' | 'slug'>): ProviderAdapter {
  return provider.kind === 'openai-compatible' ? openAICompatibleAdapterFor(provider.slug) : providerAdapters[provider.kind];
}
