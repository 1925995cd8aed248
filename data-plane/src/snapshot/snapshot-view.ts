// What a request reads: one immutable, materialised snapshot plus the indexes built once per version.
// A new version is a new view; a request in flight keeps the view it started with.
import type { SnapshotModel, SnapshotProvider, SnapshotState } from '../../../shared/src/snapshot.ts';

export interface ProviderRoute {
  provider: SnapshotProvider;
  /** `${baseUrl}/chat/completions`. */
  chatCompletionsUrl: string;
  /** Name of the environment variable holding the platform key, or null. Read per request. */
  apiKeyEnv: string | null;
}

export interface SnapshotView {
  version: number;
  stateHash: string;
  state: SnapshotState;
  modelsById: ReadonlyMap<string, SnapshotModel>;
  providersById: ReadonlyMap<string, ProviderRoute>;
  /** Every model, sorted by id (for /models). */
  modelList: readonly SnapshotModel[];
}

export function buildSnapshotView(version: number, stateHash: string, state: SnapshotState): SnapshotView {
  const modelsById = new Map<string, SnapshotModel>();
  for (const model of Object.values(state.models)) modelsById.set(model.id, model);
  const providersById = new Map<string, ProviderRoute>();
  for (const provider of Object.values(state.providers)) {
    providersById.set(provider.id, {
      provider,
      chatCompletionsUrl: `${provider.baseUrl.replace(/\/+$/, '')}/chat/completions`,
      apiKeyEnv: provider.apiKeyEnv,
    });
  }
  const modelList = [...modelsById.values()].sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
  return Object.freeze({ version, stateHash, state, modelsById, providersById, modelList });
}
