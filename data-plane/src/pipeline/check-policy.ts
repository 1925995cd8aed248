// Organization policy. One matcher decides both what /models lists and what a request may use.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { Principal } from './authenticate-key.ts';

/**
 * Allow-list entries are exact model ids or `provider/*` (every model of that provider); `*` allows
 * everything. A null list allows every model; an empty list allows none.
 */
export function isModelAllowed(allowedModels: readonly string[] | null, modelId: string): boolean {
  if (allowedModels === null) return true;
  for (const entry of allowedModels) {
    if (entry === modelId || entry === '*') return true;
    if (entry.endsWith('/*') && modelId.startsWith(entry.slice(0, -1))) return true;
  }
  return false;
}

export function checkPolicy(principal: Principal, model: SnapshotModel): void {
  if (!isModelAllowed(principal.org.allowedModels, model.id)) {
    throw new GatewayError('forbidden', `Your organization does not allow the model '${model.id}'.`, { param: 'model' });
  }
}
