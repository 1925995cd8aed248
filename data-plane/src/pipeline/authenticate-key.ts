// The opening every authenticated route shares (openRequest): the snapshot the whole request is decided
// on, then the caller's key. Bearer key → SHA-256 → snapshot lookup. The lookup is by hash, so its timing
// says nothing about the secret. Missing, unknown and expired keys are all 401.
import { hashSecret } from '../../../shared/src/crypto.ts';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { Principal, SnapshotView } from '../snapshot/snapshot-view.ts';
import type { PipelineContext } from './pipeline-context.ts';

/** Who calls, and the snapshot their request is decided on (a newer one may arrive meanwhile). */
export interface Caller extends Principal {
  snapshot: SnapshotView;
}

/** The current snapshot; 503 before the first one arrived. */
export function requireSnapshot(context: Pick<PipelineContext, 'currentSnapshot'>): SnapshotView {
  const snapshot = context.currentSnapshot();
  if (snapshot === null) throw new GatewayError('no_provider_available', 'The gateway has not received its configuration yet.');
  return snapshot;
}

/** The opening step of every authenticated route: the snapshot, then the key in `authorization`. */
export function openRequest(context: Pick<PipelineContext, 'currentSnapshot'>, authorization: string, nowMs: number): Caller {
  return authenticateKey(requireSnapshot(context), authorization, nowMs);
}

/** The secret from `Authorization: Bearer <key>`, or null when the header is absent or not Bearer. */
export function bearerToken(authorization: string): string | null {
  // The usual spelling is compared in place; any other is lowercased (a copy) to compare.
  if (authorization.length < 8 || (!authorization.startsWith('Bearer ') && authorization.slice(0, 7).toLowerCase() !== 'bearer ')) return null;
  const token = authorization.slice(7).trim();
  return token === '' ? null : token;
}

export function authenticateKey(snapshot: SnapshotView, authorization: string, nowMs: number): Caller {
  const secret = bearerToken(authorization);
  if (secret === null) {
    throw new GatewayError('invalid_api_key', 'Missing API key. Send it as `Authorization: Bearer <key>`.');
  }
  const apiKey = snapshot.state.apiKeys.get(hashSecret(secret));
  if (apiKey === undefined) throw new GatewayError('invalid_api_key', 'Invalid API key.');
  if (apiKey.expiresAt !== null && Date.parse(apiKey.expiresAt) <= nowMs) {
    throw new GatewayError('invalid_api_key', 'This API key has expired.');
  }
  const org = snapshot.state.orgs[apiKey.orgId];
  if (org === undefined) throw new GatewayError('invalid_api_key', 'Invalid API key.');
  return { snapshot, apiKey, org };
}
