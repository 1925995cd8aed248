// Opens the snapshot's BYOK provider keys (JWEs to this data plane's X25519 key) when a snapshot is
// applied, so requests read them from memory. The plaintext lives only in the SnapshotView: the
// snapshot file on disk keeps the JWEs, and nothing here logs a key. A key this data plane cannot
// decrypt stays in the view without its secret, so requests that need it fail instead of falling back
// to the platform key. Decrypted keys are cached by JWE, so a new snapshot version costs nothing when
// its credentials did not change.
import type { JWK } from 'jose';
import { createProviderKeyDecrypter, type ProviderKeyDecrypter } from '../../../shared/src/provider-key-jwe.ts';
import type { SnapshotByokCredential } from '../../../shared/src/snapshot.ts';

export interface ByokKey {
  credentialId: string;
  last4: string;
  /** The provider key; null when this data plane could not decrypt it. */
  apiKey: string | null;
}

export type DecryptByokCredentials = (section: Readonly<Record<string, SnapshotByokCredential>>) => Promise<ReadonlyMap<string, ByokKey>>;

/** `privateJwk` null: no decryption key configured (every BYOK key is then unusable, and that is logged). */
export async function createByokDecrypter(privateJwk: JWK | null, log: (line: string) => void): Promise<DecryptByokCredentials> {
  const decrypter: ProviderKeyDecrypter | null = privateJwk === null ? null : await createProviderKeyDecrypter(privateJwk);
  let cache = new Map<string, string | null>();
  return async function decryptByokCredentials(section) {
    const keys = new Map<string, ByokKey>();
    const next = new Map<string, string | null>();
    for (const [credentialId, credential] of Object.entries(section)) {
      let apiKey: string | null = null;
      if (credential.jwe !== null) {
        const cached = cache.get(credential.jwe);
        if (cached !== undefined) apiKey = cached;
        else if (decrypter === null) log(`BYOK credential ${credentialId} cannot be used: no DATA_PLANE_ENCRYPTION_KEY_FILE is configured`);
        else {
          try {
            apiKey = await decrypter.decrypt(credential.jwe);
          } catch (error) {
            log(
              `BYOK credential ${credentialId} does not decrypt with this data plane's key (${error instanceof Error ? error.name : 'error'}); requests needing it will fail`,
            );
          }
        }
        next.set(credential.jwe, apiKey);
      }
      keys.set(credentialId, { credentialId, last4: credential.last4, apiKey });
    }
    cache = next;
    return keys;
  };
}
