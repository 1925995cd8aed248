import { createHash } from 'node:crypto';
import { CompactSign, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSnapshotSigner, createSnapshotVerifier, generateSnapshotSigningKeys, hashSecret } from './crypto.ts';
import { emptySnapshotState, hashSnapshotState, type SnapshotMessage } from './snapshot.ts';

const message: SnapshotMessage = { kind: 'full', version: 1, stateHash: hashSnapshotState(emptySnapshotState()), state: emptySnapshotState() };

describe('hashSecret', () => {
  // Stored key hashes (database rows, snapshots) are SHA-256 hex digests: a different digest would lock every key out.
  it('is the SHA-256 hex digest of the secret', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashSecret('sk-gw-é')).toBe(createHash('sha256').update('sk-gw-é', 'utf8').digest('hex'));
  });
});

// On the thread pool (the default) and on the calling thread (the data plane's snapshot feed thread).
describe.each([{ onThisThread: false }, { onThisThread: true }])('snapshot signatures (%o)', (mode) => {
  it('verifies what the matching key signed', async () => {
    const keys = await generateSnapshotSigningKeys();
    const jws = await (await createSnapshotSigner(keys.privateJwk)).sign(message);
    expect(await (await createSnapshotVerifier(keys.publicJwk, mode)).verify(jws)).toEqual(message);
  });

  it('rejects a snapshot signed by another key', async () => {
    const ours = await generateSnapshotSigningKeys();
    const theirs = await generateSnapshotSigningKeys();
    const jws = await (await createSnapshotSigner(theirs.privateJwk)).sign(message);
    await expect((await createSnapshotVerifier(ours.publicJwk, mode)).verify(jws)).rejects.toThrow();
  });

  it('rejects a tampered payload', async () => {
    const keys = await generateSnapshotSigningKeys();
    const jws = await (await createSnapshotSigner(keys.privateJwk)).sign(message);
    const [header, , signature] = jws.split('.');
    const forged = Buffer.from(JSON.stringify({ ...message, version: 99 })).toString('base64url');
    await expect((await createSnapshotVerifier(keys.publicJwk, mode)).verify(`${header}.${forged}.${signature}`)).rejects.toThrow();
  });

  // The data plane's snapshot feed verifies a message's bytes, as the request loop gets them (a shared buffer).
  it('verifies a JWS given as its bytes, checked as they are', async () => {
    const keys = await generateSnapshotSigningKeys();
    const jws = await (await createSnapshotSigner(keys.privateJwk)).sign(message);
    const verifier = await createSnapshotVerifier(keys.publicJwk, mode);
    const bytes = new Uint8Array(new SharedArrayBuffer(jws.length + 4), 2, jws.length);
    bytes.set(Buffer.from(jws, 'latin1'));
    expect(await verifier.verify(bytes)).toEqual(message);
    // One payload byte changed, to one that base64url decoding would skip, or to another letter: refused.
    const at = jws.indexOf('.') + 5;
    for (const byte of [0x7e, 0xe9, bytes[at] === 0x41 ? 0x42 : 0x41]) {
      const forged = Uint8Array.from(bytes);
      forged[at] = byte;
      await expect(verifier.verify(forged)).rejects.toThrow(/signature/);
    }
    await expect(verifier.verify(Buffer.from(`${jws}.x`, 'latin1'))).rejects.toThrow(/three parts/);
    await expect(verifier.verify(Buffer.from(jws.slice(0, jws.lastIndexOf('.')), 'latin1'))).rejects.toThrow(/three parts/);
  });

  it('rejects a validly signed JWS of another type (no confusion with other tokens)', async () => {
    const keys = await generateSnapshotSigningKeys();
    const key = await importJWK(keys.privateJwk, 'EdDSA');
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(message))).setProtectedHeader({ alg: 'EdDSA' }).sign(key);
    await expect((await createSnapshotVerifier(keys.publicJwk, mode)).verify(jws)).rejects.toThrow(/type/);
  });
});
