// Public model id → catalog entry of the current snapshot.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { SnapshotView } from '../snapshot/snapshot-view.ts';

export function resolveModel(snapshot: SnapshotView, modelId: string): SnapshotModel {
  const model = snapshot.modelsById.get(modelId);
  if (model === undefined) {
    throw new GatewayError('model_not_found', `The model '${modelId}' does not exist or is not available.`, { param: 'model' });
  }
  return model;
}
