// BYOK provider keys travel in snapshots as compact JWEs (ECDH-ES+A256KW, A256GCM) encrypted to the data
// planes' X25519 key, so neither the wire nor a data plane's snapshot.json holds a provider key in plaintext.
//
// Encryption is deterministic for a given secret: the ephemeral key, the content key and the IV are
// derived (HKDF) from a per-secret seed only the control plane knows. The same credential therefore
// compiles to the same JWE on every recompile, restart and replica, and the snapshot's state hash only
// changes when a credential does. A (content key, IV) pair never encrypts two different plaintexts,
// because the seed is unique to one secret.
import { hkdfSync, webcrypto } from 'node:crypto';
import { compactDecrypt, CompactEncrypt, importJWK, type CryptoKey, type JWK } from 'jose';
import { generateJwkPair, type JwkPair } from './crypto.ts';

export const PROVIDER_KEY_JWE_ALGORITHM = 'ECDH-ES+A256KW';
export const PROVIDER_KEY_JWE_ENCRYPTION = 'A256GCM';
const PROVIDER_KEY_JWE_TYPE = 'gateway-provider-key+jwe';
// PKCS#8 DER header of an X25519 private key; the 32 key bytes follow.
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export function generateDataPlaneEncryptionKeys(): Promise<JwkPair> {
  return generateJwkPair(PROVIDER_KEY_JWE_ALGORITHM, 'X25519');
}

export interface ProviderKeyEncrypter {
  /** The kid of the data planes' public key the JWEs are encrypted to. */
  readonly kid: string;
  /** `seed`: at least 32 secret bytes unique to this secret (the same seed and plaintext give the same JWE). */
  encrypt(plaintext: string, seed: Uint8Array): Promise<string>;
}

export async function createProviderKeyEncrypter(publicJwk: JWK): Promise<ProviderKeyEncrypter> {
  const kid = publicJwk.kid;
  if (!kid) throw new Error('the data-plane encryption public key has no kid');
  const key = await importJWK(publicJwk, PROVIDER_KEY_JWE_ALGORITHM);
  const encoder = new TextEncoder();
  return {
    kid,
    async encrypt(plaintext, seed) {
      if (seed.byteLength < 32) throw new Error('a provider key JWE seed needs at least 32 bytes');
      const material = Buffer.from(hkdfSync('sha256', seed, Buffer.alloc(0), `gateway provider key jwe ${kid}`, 32 + 32 + 12));
      // jose exports the ephemeral public key into the header, so the key must be extractable.
      const ephemeralKey = await webcrypto.subtle.importKey('pkcs8', Buffer.concat([X25519_PKCS8_PREFIX, material.subarray(0, 32)]), { name: 'X25519' }, true, [
        'deriveBits',
      ]);
      return (
        new CompactEncrypt(encoder.encode(plaintext))
          .setProtectedHeader({ alg: PROVIDER_KEY_JWE_ALGORITHM, enc: PROVIDER_KEY_JWE_ENCRYPTION, kid, typ: PROVIDER_KEY_JWE_TYPE })
          .setKeyManagementParameters({ epk: ephemeralKey })
          // jose marks these two as meant for test vectors; deriving them is what makes the JWE stable (see the header).
          .setContentEncryptionKey(material.subarray(32, 64))
          .setInitializationVector(material.subarray(64, 76))
          .encrypt(key)
      );
    },
  };
}

export interface ProviderKeyDecrypter {
  /** Decrypts one JWE (algorithms pinned); throws when it was not encrypted to this key or was altered. */
  decrypt(jwe: string): Promise<string>;
}

export async function createProviderKeyDecrypter(privateJwk: JWK): Promise<ProviderKeyDecrypter> {
  const key = (await importJWK(privateJwk, PROVIDER_KEY_JWE_ALGORITHM)) as CryptoKey;
  const decoder = new TextDecoder();
  return {
    async decrypt(jwe) {
      const { plaintext, protectedHeader } = await compactDecrypt(jwe, key, {
        keyManagementAlgorithms: [PROVIDER_KEY_JWE_ALGORITHM],
        contentEncryptionAlgorithms: [PROVIDER_KEY_JWE_ENCRYPTION],
      });
      if (protectedHeader.typ !== PROVIDER_KEY_JWE_TYPE) throw new Error(`unexpected JWE type ${String(protectedHeader.typ)}`);
      return decoder.decode(plaintext);
    },
  };
}
