// The versioned master keys that wrap BYOK data keys. Production sets them in the environment:
//   GATEWAY_MASTER_KEYS="1:<base64 of 32 bytes>,2:<base64 of 32 bytes>"   every version still in use
//   GATEWAY_MASTER_KEY_VERSION=2                                           wraps new keys (default: highest)
// Without GATEWAY_MASTER_KEYS (development, `npm start`) a version-1 key is generated on first start into
// <dataDir>/keys/byok-master-keys (mode 0600, same format) and read from there afterwards.
// Rotation: add a new version, make it current, restart, run `npm run admin -- byok rotate`, then drop
// the old version once the rotation reports nothing left on it.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readOptionalFile, writePrivateFile } from '../secret-files.ts';

export const MASTER_KEY_BYTES = 32;

export interface MasterKeyring {
  /** The version that wraps new data keys and that rotation re-wraps to. */
  readonly currentVersion: number;
  /** Every configured version's key. */
  readonly keys: ReadonlyMap<number, Buffer>;
}

/** Parses `version:base64,...`; throws a message naming the variable on any malformed entry. */
export function parseMasterKeyring(text: string, currentVersionText: string | undefined, source: string): MasterKeyring {
  const keys = new Map<number, Buffer>();
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')) {
    const match = /^(\d+):([A-Za-z0-9+/=_-]+)$/.exec(entry);
    if (!match) throw new Error(`${source}: each entry must be <version>:<base64 key>, got '${entry.slice(0, 12)}…'`);
    const version = Number(match[1]);
    const key = Buffer.from(match[2] as string, 'base64');
    if (!Number.isSafeInteger(version) || version < 1) throw new Error(`${source}: version ${match[1]} must be a positive integer`);
    if (key.length !== MASTER_KEY_BYTES) throw new Error(`${source}: master key version ${version} must be ${MASTER_KEY_BYTES} bytes, got ${key.length}`);
    if (keys.has(version)) throw new Error(`${source}: master key version ${version} appears twice`);
    keys.set(version, key);
  }
  if (keys.size === 0) throw new Error(`${source}: no master key configured`);
  const currentVersion = currentVersionText ? Number(currentVersionText) : Math.max(...keys.keys());
  if (!keys.has(currentVersion)) throw new Error(`GATEWAY_MASTER_KEY_VERSION=${currentVersionText} names no key in ${source}`);
  return { currentVersion, keys };
}

export function formatMasterKeyring(keys: ReadonlyMap<number, Buffer>): string {
  return [...keys].map(([version, key]) => `${version}:${key.toString('base64')}`).join(',');
}

export interface MasterKeyringSource {
  /** GATEWAY_MASTER_KEYS; unset = the development file in the data folder. */
  masterKeys?: string | null;
  /** GATEWAY_MASTER_KEY_VERSION; unset = the highest version. */
  masterKeyVersion?: string | null;
}

export async function loadOrCreateMasterKeyring(dataDir: string, source: MasterKeyringSource): Promise<MasterKeyring & { createdFile: string | null }> {
  if (source.masterKeys) return { ...parseMasterKeyring(source.masterKeys, source.masterKeyVersion ?? undefined, 'GATEWAY_MASTER_KEYS'), createdFile: null };
  const path = join(dataDir, 'keys', 'byok-master-keys');
  const stored = await readOptionalFile(path);
  if (stored) return { ...parseMasterKeyring(stored, source.masterKeyVersion ?? undefined, path), createdFile: null };
  const keys = new Map([[1, randomBytes(MASTER_KEY_BYTES)]]);
  await writePrivateFile(path, formatMasterKeyring(keys) + '\n');
  return { currentVersion: 1, keys, createdFile: path };
}
