// The state hash is a function of the set of entries alone, and updates in both directions: what a data
// plane computes from a delta is what the control plane computes from the whole state.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StateHash } from './state-hash.ts';

const entries: Array<[string, string, string]> = [
  ['apiKeys', 'hash-a', '{"id":"key_a"}'],
  ['apiKeys', 'hash-b', '{"id":"key_b"}'],
  ['orgs', 'org_1', '{"id":"org_1"}'],
];

function hashOf(list: Array<[string, string, string]>): StateHash {
  const hash = new StateHash();
  for (const [section, id, json] of list) hash.add(section, id, json);
  return hash;
}

describe('StateHash', () => {
  it('does not depend on the order entries are added in', () => {
    expect(hashOf([...entries].reverse()).digest()).toBe(hashOf(entries).digest());
  });

  it('removing an entry gives the hash of the state without it, from a copy of the lanes', () => {
    const copy = new StateHash(hashOf(entries).lanes);
    copy.remove('apiKeys', 'hash-b', '{"id":"key_b"}');
    expect(copy.digest()).toBe(hashOf([entries[0]!, entries[2]!]).digest());
    expect(new StateHash().digest()).toBe(hashOf([]).digest());
  });

  it('tells apart a changed entry, the same entry under another id or section, and a doubled entry', () => {
    const digest = hashOf(entries).digest();
    expect(hashOf([entries[0]!, entries[1]!, ['orgs', 'org_1', '{"id":"org_2"}']]).digest()).not.toBe(digest);
    expect(hashOf([entries[0]!, entries[1]!, ['orgs', 'org_2', '{"id":"org_1"}']]).digest()).not.toBe(digest);
    expect(hashOf([entries[0]!, entries[1]!, ['models', 'org_1', '{"id":"org_1"}']]).digest()).not.toBe(digest);
    expect(hashOf([...entries, entries[2]!]).digest()).not.toBe(digest);
  });

  it('publishes the SHA-256 of its lanes written little-endian (what snapshot messages carry as stateHash)', () => {
    const hash = hashOf(entries);
    const lanes = hash.lanes;
    const bytes = new DataView(new ArrayBuffer(lanes.length * 2));
    lanes.forEach((lane, index) => bytes.setUint16(index * 2, lane, true));
    expect(hash.digest()).toBe(createHash('sha256').update(new Uint8Array(bytes.buffer)).digest('hex'));
  });
});
