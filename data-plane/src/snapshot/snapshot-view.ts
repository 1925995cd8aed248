// What a request reads: one immutable, materialised snapshot plus the indexes built once per version.
// A new version is a new view; a request in flight keeps the view it started with.
import type { SnapshotApiKey, SnapshotModel, SnapshotOrg, SnapshotProvider } from '../../../shared/src/snapshot.ts';
import type { ChatRequest, EmbeddingsRequest, FimRequest } from '../providers/client-requests.ts';
import type { UpstreamOperation } from '../providers/provider-adapter.ts';
import { adapterForProvider } from '../providers/provider-adapters.ts';
import type { ByokKey } from './decrypt-byok-credentials.ts';
import type { HeldState } from './held-state.ts';

/** Who calls: an API key of the snapshot and its organization (pipeline/authenticate-key.ts). */
export interface Principal {
  apiKey: SnapshotApiKey;
  org: SnapshotOrg;
}

/** One kind of request on one provider: the adapter's half for it and its upstream URL, fixed per snapshot version. */
export interface RoutedOperation<Request> {
  adapter: UpstreamOperation<Request>;
  url: string;
}

export interface ProviderRoute {
  provider: SnapshotProvider;
  /** Chat completions through the adapter for the provider's kind (`adapter.chatUrl(baseUrl)`). */
  chat: RoutedOperation<ChatRequest>;
  /** Fill-in-the-middle, where the provider's adapter offers it. */
  fim: RoutedOperation<FimRequest> | null;
  /** Embeddings, where the provider's adapter offers them. */
  embeddings: RoutedOperation<EmbeddingsRequest> | null;
  /** Name of the environment variable holding the platform key, or null (its value was read at start: pipeline/provider-keys.ts). */
  apiKeyEnv: string | null;
}

export interface SnapshotView {
  version: number;
  stateHash: string;
  state: HeldState;
  /** By id and by alias. */
  modelsById: ReadonlyMap<string, SnapshotModel>;
  providersById: ReadonlyMap<string, ProviderRoute>;
  /** Every model, sorted by id (for /models). */
  modelList: readonly SnapshotModel[];
  /**
   * BYOK keys by org id, then by byokOwnerKey(userId or null, providerId); see findByokKey. By org first,
   * so a request of an org without any (most) looks up once instead of building two keys per endpoint.
   */
  byokKeys: ReadonlyMap<string, ReadonlyMap<string, ByokKey>>;
}

function byokOwnerKey(userId: string | null, providerId: string): string {
  return JSON.stringify([userId, providerId]);
}

/** The key a request of this user must use for this provider: the user's own, else the org's, else none (platform key). */
export function findByokKey(view: SnapshotView, orgId: string, userId: string, providerId: string): ByokKey | null {
  const owned = view.byokKeys.get(orgId);
  if (owned === undefined) return null;
  return owned.get(byokOwnerKey(userId, providerId)) ?? owned.get(byokOwnerKey(null, providerId)) ?? null;
}

/** `decrypted`: the BYOK keys by credential id (decrypt-byok-credentials.ts); a credential missing there is kept, unusable. */
export function buildSnapshotView(version: number, stateHash: string, state: HeldState, decrypted: ReadonlyMap<string, ByokKey> = new Map()): SnapshotView {
  const models = Object.values(state.models);
  const modelsById = new Map<string, SnapshotModel>();
  for (const model of models) modelsById.set(model.id, model);
  // An alias never hides a model's own id.
  for (const model of models) for (const alias of model.aliases) if (!modelsById.has(alias)) modelsById.set(alias, model);
  const providersById = new Map<string, ProviderRoute>();
  for (const provider of Object.values(state.providers)) {
    const adapter = adapterForProvider(provider);
    providersById.set(provider.id, {
      provider,
      chat: { adapter, url: adapter.chatUrl(provider.baseUrl) },
      fim: adapter.fim === undefined ? null : { adapter: adapter.fim, url: adapter.fim.url(provider.baseUrl) },
      embeddings: adapter.embeddings === undefined ? null : { adapter: adapter.embeddings, url: adapter.embeddings.url(provider.baseUrl) },
      apiKeyEnv: provider.apiKeyEnv,
    });
  }
  const modelList = models.sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
  const byokKeys = new Map<string, Map<string, ByokKey>>();
  for (const [credentialId, credential] of Object.entries(state.byokCredentials)) {
    const key = decrypted.get(credentialId) ?? { credentialId, last4: credential.last4, apiKey: null };
    let owned = byokKeys.get(credential.orgId);
    if (owned === undefined) {
      owned = new Map();
      byokKeys.set(credential.orgId, owned);
    }
    owned.set(byokOwnerKey(credential.userId, credential.providerId), key);
  }
  return Object.freeze({ version, stateHash, state, modelsById, providersById, modelList, byokKeys });
}
