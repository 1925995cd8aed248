// The adapter for each provider kind the snapshot can name.
import { anthropicAdapter } from './anthropic/anthropic-adapter.ts';
import { geminiAdapter } from './gemini/gemini-adapter.ts';
import { mistralAdapter } from './mistral/mistral-adapter.ts';
import { openAICompatibleAdapter } from './openai-compatible/openai-compatible-adapter.ts';
import type { ProviderAdapter, ProviderKind } from './provider-adapter.ts';

export const providerAdapters: Readonly<Record<ProviderKind, ProviderAdapter>> = {
  'openai-compatible': openAICompatibleAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  mistral: mistralAdapter,
};
