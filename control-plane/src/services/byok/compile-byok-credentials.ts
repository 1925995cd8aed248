// The snapshot's byokCredentials section: each stored provider key opened with the master keyring and
// encrypted to the data planes' public key. The JWE is deterministic per secret (provider-key-jwe.ts),
// so recompiling does not change the state hash; results are cached by credential id anyway, since a
// credential's secret never changes (replacing a key creates a new credential).
import type { JWK } from 'jose';
import { createProviderKeyEncrypter } from '../../../../shared/src/provider-key-jwe.ts';
import type { SnapshotByokCredential } from '../../../../shared/src/snapshot.ts';
import type { ByokCredential } from '../../../generated/prisma/client.ts';
import { openSecret } from './envelope-encryption.ts';
import type { MasterKeyring } from './master-keyring.ts';

export interface ByokSnapshotCompiler {
  /** The whole section, from every credential row. */
  compile(rows: readonly ByokCredential[]): Promise<Record<string, SnapshotByokCredential>>;
  /** The entries of these rows alone (a change of a few credentials), keeping what is cached for the others. */
  compileSome(rows: readonly ByokCredential[]): Promise<Record<string, SnapshotByokCredential>>;
}

export async function createByokSnapshotCompiler(keyring: MasterKeyring, dataPlanePublicJwk: JWK, log: (line: string) => void): Promise<ByokSnapshotCompiler> {
  const encrypter = await createProviderKeyEncrypter(dataPlanePublicJwk);
  // A credential that failed to open stays null until restart: the keyring cannot change before then.
  let cache = new Map<string, string | null>();
  async function compileRows(rows: readonly ByokCredential[], next: Map<string, string | null>): Promise<Record<string, SnapshotByokCredential>> {
    const section: Record<string, SnapshotByokCredential> = {};
    for (const row of rows) {
      let jwe = cache.get(row.id);
      if (jwe === undefined) {
        jwe = null;
        try {
          const opened = openSecret(keyring, row, row);
          jwe = await encrypter.encrypt(opened.secret, opened.snapshotSeed);
        } catch (error) {
          log(`BYOK credential ${row.id} cannot be opened; requests needing it will fail: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      next.set(row.id, jwe);
      section[row.id] = { orgId: row.orgId, userId: row.userId, providerId: row.providerId, last4: row.last4, jwe };
    }
    return section;
  }
  return {
    async compile(rows) {
      // Only the credentials that still exist stay cached.
      const next = new Map<string, string | null>();
      const section = await compileRows(rows, next);
      cache = next;
      return section;
    },
    compileSome: (rows) => compileRows(rows, cache),
  };
}
