// Envelope encryption of BYOK provider keys. Each secret gets its own random 256-bit data key:
//   ciphertext, authTag = AES-256-GCM(data key, 12-byte random iv, secret, aad = who owns it for which provider)
//   wrappedDataKey      = AES-256 key wrap (RFC 3394) of the data key under master key `masterKeyVersion`
// The AAD binds a ciphertext to its owner, so rows swapped between orgs in the database do not decrypt.
// Rotation re-wraps only the data key; the ciphertext never changes.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { MasterKeyring } from './master-keyring.ts';

/** Byte arrays over their own ArrayBuffer, as Prisma's Bytes columns take them. */
export type Bytes = Uint8Array<ArrayBuffer>;

export interface SealedSecret {
  ciphertext: Bytes;
  iv: Bytes;
  authTag: Bytes;
  wrappedDataKey: Bytes;
  masterKeyVersion: number;
}

export interface SecretOwner {
  orgId: string;
  userId: string | null;
  providerId: string;
}

// RFC 3394's default initial value; unwrapping checks it, which is the wrap's integrity check.
const KEY_WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

export class MasterKeyUnavailable extends Error {
  override name = 'MasterKeyUnavailable';
  constructor(readonly version: number) {
    super(`master key version ${version} is not configured (GATEWAY_MASTER_KEYS); keep every version in use until rotation moved all keys off it`);
  }
}

export class SecretTampered extends Error {
  override name = 'SecretTampered';
}

function additionalData(owner: SecretOwner): Buffer {
  return Buffer.from(JSON.stringify(['byok', owner.orgId, owner.userId, owner.providerId]));
}

function masterKey(keyring: MasterKeyring, version: number): Buffer {
  const key = keyring.keys.get(version);
  if (!key) throw new MasterKeyUnavailable(version);
  return key;
}

function wrapDataKey(keyring: MasterKeyring, dataKey: Buffer): { wrappedDataKey: Bytes; masterKeyVersion: number } {
  const cipher = createCipheriv('id-aes256-wrap', masterKey(keyring, keyring.currentVersion), KEY_WRAP_IV);
  return { wrappedDataKey: new Uint8Array(Buffer.concat([cipher.update(dataKey), cipher.final()])), masterKeyVersion: keyring.currentVersion };
}

function unwrapDataKey(keyring: MasterKeyring, sealed: Pick<SealedSecret, 'wrappedDataKey' | 'masterKeyVersion'>): Buffer {
  const decipher = createDecipheriv('id-aes256-wrap', masterKey(keyring, sealed.masterKeyVersion), KEY_WRAP_IV);
  try {
    return Buffer.concat([decipher.update(sealed.wrappedDataKey), decipher.final()]);
  } catch (error) {
    throw new SecretTampered(
      `the wrapped data key does not unwrap under master key version ${sealed.masterKeyVersion} (altered, or a different key under that version)`,
      { cause: error },
    );
  }
}

export function sealSecret(keyring: MasterKeyring, owner: SecretOwner, secret: string): SealedSecret {
  const dataKey = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(additionalData(owner));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return { ciphertext: new Uint8Array(ciphertext), iv: new Uint8Array(iv), authTag: new Uint8Array(cipher.getAuthTag()), ...wrapDataKey(keyring, dataKey) };
}

export interface OpenedSecret {
  secret: string;
  /** Secret bytes unique to this secret (derived from its data key): the seed of its snapshot JWE. */
  snapshotSeed: Uint8Array;
}

export function openSecret(keyring: MasterKeyring, owner: SecretOwner, sealed: SealedSecret): OpenedSecret {
  const dataKey = unwrapDataKey(keyring, sealed);
  const decipher = createDecipheriv('aes-256-gcm', dataKey, sealed.iv);
  decipher.setAAD(additionalData(owner));
  decipher.setAuthTag(sealed.authTag);
  let secret: string;
  try {
    secret = Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new SecretTampered('the BYOK secret failed authentication (ciphertext, iv, tag or owner altered)', { cause: error });
  }
  return { secret, snapshotSeed: new Uint8Array(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'gateway byok snapshot seed', 32)) };
}

/** The data key wrapped again under the current master version; null when it already is. */
export function rewrapDataKey(
  keyring: MasterKeyring,
  sealed: Pick<SealedSecret, 'wrappedDataKey' | 'masterKeyVersion'>,
): { wrappedDataKey: Bytes; masterKeyVersion: number } | null {
  if (sealed.masterKeyVersion === keyring.currentVersion) return null;
  return wrapDataKey(keyring, unwrapDataKey(keyring, sealed));
}
