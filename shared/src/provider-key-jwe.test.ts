import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { createProviderKeyDecrypter, createProviderKeyEncrypter, generateDataPlaneEncryptionKeys } from './provider-key-jwe.ts';

describe('provider key JWE', () => {
  test('decrypts with the data plane key, is stable per seed, and hides the key', async () => {
    const pair = await generateDataPlaneEncryptionKeys();
    const encrypter = await createProviderKeyEncrypter(pair.publicJwk);
    const seed = randomBytes(32);
    const jwe = await encrypter.encrypt('sk-ant-provider-secret-42', seed);
    expect(jwe.split('.')).toHaveLength(5);
    expect(JSON.parse(Buffer.from(jwe.split('.')[0] as string, 'base64url').toString())).toMatchObject({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      kid: pair.publicJwk.kid,
    });
    expect(jwe).not.toContain('sk-ant');
    expect(await encrypter.encrypt('sk-ant-provider-secret-42', seed)).toBe(jwe);
    expect(await encrypter.encrypt('sk-ant-provider-secret-42', randomBytes(32))).not.toBe(jwe);
    expect(await (await createProviderKeyDecrypter(pair.privateJwk)).decrypt(jwe)).toBe('sk-ant-provider-secret-42');
  });

  test('another data plane key, or an altered JWE, does not decrypt', async () => {
    const pair = await generateDataPlaneEncryptionKeys();
    const jwe = await (await createProviderKeyEncrypter(pair.publicJwk)).encrypt('sk-provider-secret', randomBytes(32));
    const stranger = await createProviderKeyDecrypter((await generateDataPlaneEncryptionKeys()).privateJwk);
    await expect(stranger.decrypt(jwe)).rejects.toThrow();
    const parts = jwe.split('.');
    const ciphertext = Buffer.from(parts[3] as string, 'base64url');
    ciphertext[0] = (ciphertext[0] as number) ^ 1;
    parts[3] = ciphertext.toString('base64url');
    await expect((await createProviderKeyDecrypter(pair.privateJwk)).decrypt(parts.join('.'))).rejects.toThrow();
  });
});
