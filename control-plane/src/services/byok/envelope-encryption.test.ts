import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { MasterKeyUnavailable, openSecret, rewrapDataKey, sealSecret, SecretTampered, type SealedSecret } from './envelope-encryption.ts';
import { formatMasterKeyring, parseMasterKeyring, type MasterKeyring } from './master-keyring.ts';

const owner = { orgId: 'org_1', userId: null, providerId: 'prov_openai' };
const secret = 'sk-proj-Example-Provider-Key-9f3a';

function keyring(versions: number[], current = Math.max(...versions)): MasterKeyring {
  return { currentVersion: current, keys: new Map(versions.map((version) => [version, randomBytes(32)])) };
}

describe('envelope encryption', () => {
  test('round trip: the secret comes back, and the stored bytes do not contain it', () => {
    const ring = keyring([1]);
    const sealed = sealSecret(ring, owner, secret);
    expect(openSecret(ring, owner, sealed).secret).toBe(secret);
    expect(sealed.masterKeyVersion).toBe(1);
    const stored = Buffer.concat([sealed.ciphertext, sealed.iv, sealed.authTag, sealed.wrappedDataKey]);
    expect(stored.includes(Buffer.from(secret))).toBe(false);
    // Two seals of one secret share nothing: a fresh data key and iv each time.
    const again = sealSecret(ring, owner, secret);
    expect(Buffer.from(again.ciphertext).equals(Buffer.from(sealed.ciphertext))).toBe(false);
    expect(Buffer.from(again.wrappedDataKey).equals(Buffer.from(sealed.wrappedDataKey))).toBe(false);
  });

  test.each([
    ['ciphertext', (sealed: SealedSecret) => ({ ...sealed, ciphertext: flip(sealed.ciphertext) })],
    ['iv', (sealed: SealedSecret) => ({ ...sealed, iv: flip(sealed.iv) })],
    ['authTag', (sealed: SealedSecret) => ({ ...sealed, authTag: flip(sealed.authTag) })],
    ['wrappedDataKey', (sealed: SealedSecret) => ({ ...sealed, wrappedDataKey: flip(sealed.wrappedDataKey) })],
  ])('a changed %s is refused, never decrypted to something else', (_field, tamper) => {
    const ring = keyring([1]);
    expect(() => openSecret(ring, owner, tamper(sealSecret(ring, owner, secret)))).toThrow(SecretTampered);
  });

  test('a ciphertext moved to another owner does not decrypt (the owner is authenticated data)', () => {
    const ring = keyring([1]);
    const sealed = sealSecret(ring, owner, secret);
    expect(() => openSecret(ring, { ...owner, orgId: 'org_2' }, sealed)).toThrow(SecretTampered);
    expect(() => openSecret(ring, { ...owner, userId: 'user_1' }, sealed)).toThrow(SecretTampered);
  });

  test('an unknown master key version is a clear error naming the version', () => {
    const sealed = sealSecret(keyring([3]), owner, secret);
    expect(() => openSecret(keyring([1, 2]), owner, sealed)).toThrow(MasterKeyUnavailable);
    expect(() => openSecret(keyring([1, 2]), owner, sealed)).toThrow(/master key version 3 is not configured/);
  });

  test('rotation re-wraps the data key only: same ciphertext, new version, and the old version can then go', () => {
    const before = keyring([1]);
    const sealed = sealSecret(before, owner, secret);
    const both: MasterKeyring = { currentVersion: 2, keys: new Map([...before.keys, [2, randomBytes(32)]]) };
    // Both versions configured: the row opens before and after its re-wrap.
    expect(openSecret(both, owner, sealed).secret).toBe(secret);
    const rewrapped = rewrapDataKey(both, sealed);
    expect(rewrapped?.masterKeyVersion).toBe(2);
    const after = { ...sealed, ...rewrapped };
    expect(openSecret(both, owner, after).secret).toBe(secret);
    expect(rewrapDataKey(both, after)).toBeNull();
    const onlyNew: MasterKeyring = { currentVersion: 2, keys: new Map([[2, both.keys.get(2) as Buffer]]) };
    expect(openSecret(onlyNew, owner, after).secret).toBe(secret);
    expect(() => openSecret(onlyNew, owner, sealed)).toThrow(MasterKeyUnavailable);
    // The snapshot seed comes from the data key, which rotation keeps.
    expect(Buffer.from(openSecret(onlyNew, owner, after).snapshotSeed)).toEqual(Buffer.from(openSecret(before, owner, sealed).snapshotSeed));
  });
});

describe('master keyring', () => {
  test('parses versions, defaults the current one to the highest, and round-trips its format', () => {
    const keys = new Map([
      [1, randomBytes(32)],
      [2, randomBytes(32)],
    ]);
    const text = formatMasterKeyring(keys);
    expect(parseMasterKeyring(text, undefined, 'GATEWAY_MASTER_KEYS')).toEqual({ currentVersion: 2, keys });
    expect(parseMasterKeyring(text, '1', 'GATEWAY_MASTER_KEYS').currentVersion).toBe(1);
  });

  test.each([
    ['1:short', undefined, /must be 32 bytes/],
    ['one:AAAA', undefined, /<version>:<base64 key>/],
    ['', undefined, /no master key configured/],
    [`1:${randomBytes(32).toString('base64')}`, '2', /GATEWAY_MASTER_KEY_VERSION=2 names no key/],
    [`1:${randomBytes(32).toString('base64')},1:${randomBytes(32).toString('base64')}`, undefined, /appears twice/],
  ])('refuses %j (current %s)', (text, current, message) => {
    expect(() => parseMasterKeyring(text, current, 'GATEWAY_MASTER_KEYS')).toThrow(message);
  });
});

function flip(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes);
  copy[0] = (copy[0] as number) ^ 0x01;
  return copy;
}
