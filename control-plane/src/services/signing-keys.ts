// The Ed25519 pair that signs snapshots: generated on first start, loaded afterwards. Data planes pin
// the public key, so losing the private file means re-configuring every data plane.
import { join } from 'node:path';
import type { JWK } from 'jose';
import { generateSnapshotSigningKeys, type JwkPair } from '../../../shared/src/crypto.ts';
import { readOptionalFile, writePrivateFile, writePublicFile } from './secret-files.ts';

function signingKeyPaths(dataDir: string): { privatePath: string; publicPath: string } {
  const directory = join(dataDir, 'keys');
  return { privatePath: join(directory, 'snapshot-signing.private.jwk'), publicPath: join(directory, 'snapshot-signing.public.jwk') };
}

export async function loadOrCreateSigningKeys(dataDir: string): Promise<JwkPair & { created: boolean }> {
  const { privatePath, publicPath } = signingKeyPaths(dataDir);
  const [privateText, publicText] = await Promise.all([readOptionalFile(privatePath), readOptionalFile(publicPath)]);
  if (privateText && publicText) {
    return { privateJwk: JSON.parse(privateText) as JWK, publicJwk: JSON.parse(publicText) as JWK, created: false };
  }
  if (privateText || publicText) throw new Error(`half a snapshot signing key pair in ${join(dataDir, 'keys')}; restore or remove both files`);
  const keys = await generateSnapshotSigningKeys();
  await writePrivateFile(privatePath, JSON.stringify(keys.privateJwk) + '\n');
  await writePublicFile(publicPath, JSON.stringify(keys.publicJwk) + '\n');
  return { ...keys, created: true };
}
