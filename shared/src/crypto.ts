// Crypto helpers both planes share: API-key hashing and snapshot signatures (JWS over jose).
import { createHash, randomBytes } from 'node:crypto';
import { CompactSign, compactVerify, exportJWK, generateKeyPair, importJWK, calculateJwkThumbprint } from 'jose';
import type { JWK, CryptoKey } from 'jose';
import { snapshotMessageSchema, type SnapshotMessage } from './snapshot.ts';

/** Client API keys: a recognisable prefix and 32 random bytes. */
export const API_KEY_PREFIX = 'sk-gw-';

export function generateSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** Secrets are stored and looked up only by this hash. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export const SNAPSHOT_JWS_ALGORITHM = 'EdDSA';
const SNAPSHOT_JWS_TYPE = 'gateway-snapshot+jws';

export interface SigningKeyPair {
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function generateSnapshotSigningKeys(): Promise<SigningKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(SNAPSHOT_JWS_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateJwk: { ...(await exportJWK(privateKey)), kid, alg: SNAPSHOT_JWS_ALGORITHM }, publicJwk: { ...publicJwk, kid, alg: SNAPSHOT_JWS_ALGORITHM } };
}

export interface SnapshotSigner {
  sign(message: SnapshotMessage): Promise<string>;
}

export async function createSnapshotSigner(privateJwk: JWK): Promise<SnapshotSigner> {
  const key = await importJWK(privateJwk, SNAPSHOT_JWS_ALGORITHM);
  const encoder = new TextEncoder();
  return {
    sign(message) {
      return new CompactSign(encoder.encode(JSON.stringify(message)))
        .setProtectedHeader({ alg: SNAPSHOT_JWS_ALGORITHM, kid: privateJwk.kid, typ: SNAPSHOT_JWS_TYPE })
        .sign(key);
    },
  };
}

export interface SnapshotVerifier {
  /** Verifies the signature (algorithm pinned) and parses the payload; throws on any mismatch. */
  verify(jws: string): Promise<SnapshotMessage>;
}

export async function createSnapshotVerifier(publicJwk: JWK): Promise<SnapshotVerifier> {
  const key = (await importJWK(publicJwk, SNAPSHOT_JWS_ALGORITHM)) as CryptoKey;
  const decoder = new TextDecoder();
  return {
    async verify(jws) {
      const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: [SNAPSHOT_JWS_ALGORITHM] });
      if (protectedHeader.typ !== SNAPSHOT_JWS_TYPE) throw new Error(`unexpected JWS type ${String(protectedHeader.typ)}`);
      return snapshotMessageSchema.parse(JSON.parse(decoder.decode(payload)));
    },
  };
}
