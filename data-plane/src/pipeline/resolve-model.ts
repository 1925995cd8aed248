// Public model id → catalog entry of the current snapshot.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { NonEmptyList } from '../../../shared/src/non-empty-list.ts';
import type { SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { SnapshotView } from '../snapshot/snapshot-view.ts';
import type { Caller } from './authenticate-key.ts';
import { checkPolicy } from './check-policy.ts';

export function resolveModel(snapshot: SnapshotView, modelId: string): SnapshotModel {
  const model = snapshot.modelsById.get(modelId);
  if (model === undefined) {
    throw new GatewayError('model_not_found', `The model '${modelId}' does not exist or is not available.`, { param: 'model' });
  }
  return model;
}

/** The catalog model `modelId` names (404 when none), if the caller may use it (403 otherwise). */
export function allowedModel(caller: Caller, modelId: string): SnapshotModel {
  const model = resolveModel(caller.snapshot, modelId);
  checkPolicy(caller, model);
  return model;
}

/** The requested model, then the `models` fallbacks (duplicates dropped), each resolved and policy-checked. */
export function allowedModels(caller: Caller, requested: string, fallbacks: readonly string[]): NonEmptyList<SnapshotModel> {
  const models: NonEmptyList<SnapshotModel> = [allowedModel(caller, requested)];
  if (fallbacks.length === 0) return models;
  const seen = new Set([requested]);
  for (const modelId of fallbacks) {
    if (seen.has(modelId)) continue;
    seen.add(modelId);
    models.push(allowedModel(caller, modelId));
  }
  return models;
}
