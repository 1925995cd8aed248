// The opening every authenticated route shares (openRequest): the snapshot the whole request is decided
// on, then the caller's key. Bearer key → SHA-256 → snapshot lookup. The lookup is by hash, so its timing
// says nothing about the secret. Missing, unknown and expired keys are all 401.
//
// A key that authenticated keeps its hash and the entry it found, by its token, in a small bounded map
// (KnownKeys): its next request skips the SHA-256 and the expiry's parse. Only the hash is taken on
// trust (a pure function of the token); the entry is still looked up in the request's snapshot every
// time and used only when the snapshot still holds that very object (entries are replaced, never
// modified; packed-section.ts), so a revocation, a replaced key (a new expiry) or a snapshot swap is seen
// at once, as without the map. A token that found no key is never kept: invalid tokens cannot fill it.
// Its timing tells a caller only that the whole token it sent authenticated recently.
import { hashSecret } from '../../../shared/src/crypto.ts';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { SnapshotApiKey } from '../../../shared/src/snapshot.ts';
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

/** The most tokens kept (each its hash and entry, a few hundred bytes): the oldest goes first. */
export const KNOWN_KEYS_MAX = 1024;

/** A token that authenticated: its hash, the entry it found then, and that entry's expiry (Infinity: none; NaN: unreadable, never expires, as Date.parse gave it). */
interface KnownKey {
  readonly hash: string;
  readonly apiKey: SnapshotApiKey;
  readonly expiresAtMs: number;
}

/** By token, in the order they were first kept. */
const knownKeys = new Map<string, KnownKey>();

/** How many tokens are kept (tests: the map stays bounded). */
export function knownKeyCount(): number {
  return knownKeys.size;
}

export function authenticateKey(snapshot: SnapshotView, authorization: string, nowMs: number): Caller {
  const secret = bearerToken(authorization);
  if (secret === null) {
    throw new GatewayError('invalid_api_key', 'Missing API key. Send it as `Authorization: Bearer <key>`.');
  }
  const keys = snapshot.state.apiKeys;
  let known = knownKeys.get(secret);
  // The entry kept is used only while this snapshot holds that same object under the hash.
  if (known === undefined || keys.get(known.hash) !== known.apiKey) {
    const hash = known?.hash ?? hashSecret(secret);
    const apiKey = keys.get(hash);
    if (apiKey === undefined) {
      if (known !== undefined) knownKeys.delete(secret);
      throw new GatewayError('invalid_api_key', 'Invalid API key.');
    }
    known = { hash, apiKey, expiresAtMs: apiKey.expiresAt === null ? Infinity : Date.parse(apiKey.expiresAt) };
    keep(secret, known);
  }
  if (known.expiresAtMs <= nowMs) {
    throw new GatewayError('invalid_api_key', 'This API key has expired.');
  }
  const apiKey = known.apiKey;
  const org = snapshot.state.orgs[apiKey.orgId];
  if (org === undefined) throw new GatewayError('invalid_api_key', 'Invalid API key.');
  return { snapshot, apiKey, org };
}

function keep(secret: string, known: KnownKey): void {
  if (!knownKeys.has(secret) && knownKeys.size >= KNOWN_KEYS_MAX) knownKeys.delete(knownKeys.keys().next().value as string);
  knownKeys.set(secret, known);
}
