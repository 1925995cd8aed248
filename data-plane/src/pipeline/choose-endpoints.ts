// Picks the endpoint to call. For now: the first endpoint, in the catalog's order of preference, whose
// provider is in the snapshot. (Fallbacks, BYOK first and provider preferences come later.)
import { GatewayError } from '../../../shared/src/errors.ts';
import type { SnapshotEndpoint, SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { ProviderRoute, SnapshotView } from '../snapshot/snapshot-view.ts';

export interface ChosenEndpoint {
  endpoint: SnapshotEndpoint;
  route: ProviderRoute;
}

export function chooseEndpoint(snapshot: SnapshotView, model: SnapshotModel): ChosenEndpoint {
  for (const endpoint of model.endpoints) {
    const route = snapshot.providersById.get(endpoint.providerId);
    if (route !== undefined) return { endpoint, route };
  }
  throw new GatewayError('no_provider_available', `No provider is available for the model '${model.id}'.`);
}
