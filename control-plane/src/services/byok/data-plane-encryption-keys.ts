// The X25519 key pair BYOK secrets are encrypted to inside snapshots (shared/src/provider-key-jwe.ts).
// The control plane needs only the public key: <dataDir>/keys/data-plane-encryption.public.jwk. In
// production, generate the pair where the data planes run and place only the public file there. For
// development, when neither file exists, both are generated and the private one (mode 0600) is handed
// to the local data plane like the data-plane token (DATA_PLANE_ENCRYPTION_KEY_FILE).
import { join } from 'node:path';
import type { JWK } from 'jose';
import { generateDataPlaneEncryptionKeys } from '../../../../shared/src/provider-key-jwe.ts';
import { readOptionalFile, writePrivateFile, writePublicFile } from '../secret-files.ts';

export interface DataPlaneEncryptionKeys {
  publicJwk: JWK;
  /** Present only when this control plane generated the pair (development). */
  privateKeyFile: string | null;
  created: boolean;
}

export function dataPlaneEncryptionKeyPaths(dataDir: string): { privatePath: string; publicPath: string } {
  const directory = join(dataDir, 'keys');
  return { privatePath: join(directory, 'data-plane-encryption.private.jwk'), publicPath: join(directory, 'data-plane-encryption.public.jwk') };
}

export async function loadOrCreateDataPlaneEncryptionKeys(dataDir: string): Promise<DataPlaneEncryptionKeys> {
  const { privatePath, publicPath } = dataPlaneEncryptionKeyPaths(dataDir);
  const [privateText, publicText] = await Promise.all([readOptionalFile(privatePath), readOptionalFile(publicPath)]);
  if (publicText) return { publicJwk: JSON.parse(publicText) as JWK, privateKeyFile: privateText ? privatePath : null, created: false };
  if (privateText) throw new Error(`${privatePath} exists without ${publicPath}; restore the public key or remove both files`);
  const keys = await generateDataPlaneEncryptionKeys();
  await writePrivateFile(privatePath, JSON.stringify(keys.privateJwk) + '\n');
  await writePublicFile(publicPath, JSON.stringify(keys.publicJwk) + '\n');
  return { publicJwk: keys.publicJwk, privateKeyFile: privatePath, created: true };
}
