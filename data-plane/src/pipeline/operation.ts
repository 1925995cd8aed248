// One kind of metered request (chat completions, FIM, embeddings) as the metered route sees it
// (metered-route.ts): which half of a provider's adapter serves it, and how its prompt is counted when
// the upstream reports no usage. Each kind is one constant; nothing here is per request.
import { GatewayError } from '../../../shared/src/errors.ts';
import { isNonEmpty, type NonEmptyList } from '../../../shared/src/non-empty-list.ts';
import type { SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { ForwardedRequest } from '../providers/client-requests.ts';
import type { ProviderRoute, RoutedOperation } from '../snapshot/snapshot-view.ts';
import type { EndpointCandidate } from './choose-endpoints.ts';

export interface Operation<Request extends ForwardedRequest> {
  /** What the client asked for, in a refusal ("The model … does not support FIM."). */
  readonly name: string;
  /** This operation on the route's provider, or null when its adapter does not offer it. */
  on(route: ProviderRoute): RoutedOperation<Request> | null;
  /** The prompt's tokens, counted (a usage event whose upstream reported none). */
  estimatePromptTokens(request: Request): number;
}

/** The endpoints whose provider offers the operation; none is a 400 naming the model, before anything is sent or metered. */
export function endpointsOffering<Request extends ForwardedRequest>(
  operation: Operation<Request>,
  candidates: readonly EndpointCandidate[],
  model: SnapshotModel,
): NonEmptyList<EndpointCandidate> {
  const offering = candidates.filter((candidate) => operation.on(candidate.route) !== null);
  if (isNonEmpty(offering)) return offering;
  throw new GatewayError('invalid_request', `The model '${model.id}' does not support ${operation.name}.`, { param: 'model' });
}
