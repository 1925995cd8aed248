// Bearer key → SHA-256 → snapshot lookup. The lookup is by hash, so its timing says nothing about the
// secret. Missing, unknown and expired keys are all 401.
import { hashSecret } from '../../../shared/src/crypto.ts';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { SnapshotApiKey, SnapshotOrg } from '../../../shared/src/snapshot.ts';
import type { SnapshotView } from '../snapshot/snapshot-view.ts';

export interface Principal {
  apiKey: SnapshotApiKey;
  org: SnapshotOrg;
}

/** The secret from `Authorization: Bearer <key>`, or null when the header is absent or not Bearer. */
export function bearerToken(authorization: string): string | null {
  if (authorization.length < 8 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return null;
  const token = authorization.slice(7).trim();
  return token === '' ? null : token;
}

export function authenticateKey(snapshot: SnapshotView, authorization: string, nowMs: number): Principal {
  const secret = bearerToken(authorization);
  if (secret === null) {
    throw new GatewayError('invalid_api_key', 'Missing API key. Send it as `Authorization: Bearer <key>`.');
  }
  const apiKey = snapshot.state.apiKeys[hashSecret(secret)];
  if (apiKey === undefined) throw new GatewayError('invalid_api_key', 'Invalid API key.');
  if (apiKey.expiresAt !== null && Date.parse(apiKey.expiresAt) <= nowMs) {
    throw new GatewayError('invalid_api_key', 'This API key has expired.');
  }
  const org = snapshot.state.orgs[apiKey.orgId];
  if (org === undefined) throw new GatewayError('invalid_api_key', 'Invalid API key.');
  return { apiKey, org };
}
