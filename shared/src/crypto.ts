// Crypto helpers both planes share: API-key hashing and snapshot signatures (JWS over jose).
import { createPublicKey, hash, randomBytes, verify as verifySignature } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, importJWK, calculateJwkThumbprint } from 'jose';
import type { JWK } from 'jose';
import { channelMessageSchema, type ChannelMessage } from './data-plane-channel.ts';

/** Client API keys: a recognisable prefix and 32 random bytes. */
export const API_KEY_PREFIX = 'sk-gw-';

export function generateSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

/**
 * Secrets are stored and looked up only by this hash. The one-shot `hash` gives the same digest as
 * createHash().update().digest() at a fraction of its cost (0.4-1.2 against 2-5 µs here), and the data
 * plane hashes the key of every request.
 */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

export const SNAPSHOT_JWS_ALGORITHM = 'EdDSA';
const SNAPSHOT_JWS_TYPE = 'gateway-snapshot+jws';

/** A key pair as JWKs that both carry the algorithm and the public key's thumbprint as kid. */
export interface JwkPair {
  privateJwk: JWK;
  publicJwk: JWK;
}

/** A fresh pair for `alg` on the curve `crv` (the snapshot's signing keys, the data planes' BYOK encryption keys). */
export async function generateJwkPair(alg: string, crv: string): Promise<JwkPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { crv, extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateJwk: { ...(await exportJWK(privateKey)), kid, alg }, publicJwk: { ...publicJwk, kid, alg } };
}

export function generateSnapshotSigningKeys(): Promise<JwkPair> {
  return generateJwkPair(SNAPSHOT_JWS_ALGORITHM, 'Ed25519');
}

export interface SnapshotSigner {
  /** Snapshot messages and spend-floor messages, told apart by their `kind`. */
  sign(message: ChannelMessage): Promise<string>;
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
  /**
   * Verifies the signature (algorithm pinned) and parses the payload; throws on any mismatch. The JWS as
   * text, or as its bytes (a compact JWS is ASCII), which the signature is checked on as they are: the
   * data plane's snapshot feed holds a large message's bytes anyway, and encoding its text again for the
   * signing input took that thread 100-220 ms of CPU for a 30 MB message (fresh pages included).
   */
  verify(jws: string | Uint8Array): Promise<ChannelMessage>;
}

const DOT = 0x2e;

function checkHeader(encodedHeader: string): void {
  const header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as Record<string, unknown>;
  // Pinned algorithm; no critical extensions (e.g. b64: false) are understood, so any is refused.
  if (header.alg !== SNAPSHOT_JWS_ALGORITHM || header.crit !== undefined) throw new Error(`unexpected JWS header ${JSON.stringify(header)}`);
  if (header.typ !== SNAPSHOT_JWS_TYPE) throw new Error(`unexpected JWS type ${String(header.typ)}`);
}

/**
 * Verified with node:crypto rather than jose's compactVerify: a 100k-key snapshot is a ~30 MB JWS, and
 * jose decodes base64url and checks the signature on the event loop (~0.7 s there, stalling requests);
 * Buffer's decoder is native and the callback form of verify() runs on the libuv thread pool.
 * `onThisThread` checks the signature on the calling thread instead: the data plane's snapshot feed
 * thread runs at the lowest priority, and the pool's threads run at the process's, so a 30 MB check
 * there competed with the request loop for its core.
 */
export async function createSnapshotVerifier(publicJwk: JWK, { onThisThread = false } = {}): Promise<SnapshotVerifier> {
  if (publicJwk.kty !== 'OKP' || publicJwk.crv !== 'Ed25519' || publicJwk.x === undefined) throw new Error('snapshot public key must be an Ed25519 JWK');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicJwk.x }, format: 'jwk' });
  const check = async (signingInput: Uint8Array, signature: Buffer) => {
    const valid = onThisThread
      ? verifySignature(null, signingInput, key, signature)
      : await new Promise<boolean>((resolve, reject) =>
          verifySignature(null, signingInput, key, signature, (error, result) => (error ? reject(error) : resolve(result))),
        );
    if (!valid) throw new Error('snapshot JWS signature verification failed');
  };
  const payloadOf = (encodedPayload: string) => channelMessageSchema.parse(JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8')));
  return {
    async verify(jws) {
      if (typeof jws !== 'string') {
        // Every part is read from these bytes, and the signature checked on them as they are: a byte that
        // is not base64url (which the lenient decoding below would skip) is signed like any other.
        const bytes = Buffer.from(jws.buffer, jws.byteOffset, jws.byteLength);
        const headerEnd = bytes.indexOf(DOT);
        const payloadEnd = headerEnd < 0 ? -1 : bytes.indexOf(DOT, headerEnd + 1);
        if (payloadEnd < 0 || bytes.indexOf(DOT, payloadEnd + 1) >= 0) throw new Error('snapshot JWS must have three parts');
        checkHeader(bytes.toString('latin1', 0, headerEnd));
        await check(bytes.subarray(0, payloadEnd), Buffer.from(bytes.toString('latin1', payloadEnd + 1), 'base64url'));
        return payloadOf(bytes.toString('latin1', headerEnd + 1, payloadEnd));
      }
      const parts = jws.split('.');
      if (parts.length !== 3) throw new Error('snapshot JWS must have three parts');
      const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
      checkHeader(encodedHeader);
      // The signature covers the encoded text as UTF-8 (as jose signs it), so any changed character,
      // even one the lenient base64url decoding below would skip, fails the check.
      await check(Buffer.from(`${encodedHeader}.${encodedPayload}`, 'utf8'), Buffer.from(encodedSignature, 'base64url'));
      return payloadOf(encodedPayload);
    },
  };
}
