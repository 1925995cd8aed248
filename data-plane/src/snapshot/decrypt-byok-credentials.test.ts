import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createProviderKeyEncrypter, generateDataPlaneEncryptionKeys } from '../../../shared/src/provider-key-jwe.ts';
import { createByokDecrypter } from './decrypt-byok-credentials.ts';

const SECRET = 'sk-byok-decrypt-test-9d2c';

async function section() {
  const pair = await generateDataPlaneEncryptionKeys();
  const jwe = await (await createProviderKeyEncrypter(pair.publicJwk)).encrypt(SECRET, randomBytes(32));
  return {
    pair,
    credentials: {
      cred_ok: { orgId: 'org_1', userId: null, providerId: 'prov_1', last4: '9d2c', jwe },
      cred_unopened: { orgId: 'org_1', userId: 'user_1', providerId: 'prov_1', last4: 'dead', jwe: null },
    },
  };
}

describe('createByokDecrypter', () => {
  it('opens the keys encrypted to this data plane and keeps the others without a secret', async () => {
    const { pair, credentials } = await section();
    const logs: string[] = [];
    const decrypt = await createByokDecrypter(pair.privateJwk, (line) => logs.push(line));
    const keys = await decrypt(credentials);
    expect([...keys.values()]).toEqual([
      { credentialId: 'cred_ok', last4: '9d2c', apiKey: SECRET },
      { credentialId: 'cred_unopened', last4: 'dead', apiKey: null },
    ]);
    expect(logs).toEqual([]);
  });

  it("logs, once and without the key, a JWE it cannot open (another data plane's key, or none configured)", async () => {
    const { credentials } = await section();
    for (const privateJwk of [(await generateDataPlaneEncryptionKeys()).privateJwk, null]) {
      const logs: string[] = [];
      const decrypt = await createByokDecrypter(privateJwk, (line) => logs.push(line));
      expect((await decrypt(credentials)).get('cred_ok')?.apiKey).toBeNull();
      expect((await decrypt(credentials)).get('cred_ok')?.apiKey).toBeNull();
      expect(logs).toHaveLength(1);
      expect(logs[0]).toContain('cred_ok');
      expect(logs.join('\n')).not.toContain(SECRET);
    }
  });
});
