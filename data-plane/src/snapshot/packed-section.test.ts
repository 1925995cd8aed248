// A packed section answers like the plain section it was built from, whatever its ids (not only the
// hex key hashes), with the changes applied in place on top, and after a trip to another thread.
import { describe, expect, it } from 'vitest';
import { PackedSection } from './packed-section.ts';

const entries: Record<string, { name: string }> = {
  'hash-1': { name: 'plain' },
  'clé-ключ-鍵': { name: 'not ASCII' },
  'a"quote\\and\nline': { name: 'escaped in JSON' },
  ['x'.repeat(500)]: { name: 'long' },
  '': { name: 'empty id' },
};

describe('PackedSection', () => {
  it('finds every entry by its id and nothing else', () => {
    const section = PackedSection.fromRecord(entries);
    for (const [id, entry] of Object.entries(entries)) expect(section.get(id)).toEqual(entry);
    for (const missing of ['hash-2', 'hash-', 'clé', 'x'.repeat(499)]) expect(section.get(missing)).toBeUndefined();
    expect(Object.fromEntries([...section.entriesJson()].map(([id, json]) => [id, JSON.parse(json)]))).toEqual(entries);
  });

  it('applies changes on top: a reader keeps the entry it took, a removed id is gone, and a thread gets the same answers', () => {
    const section = PackedSection.fromRecord(entries);
    const taken = section.get('hash-1');
    section.set('hash-1', { name: 'renamed' });
    section.delete('clé-ключ-鍵');
    section.set('hash-new', { name: 'new' });
    expect(taken).toEqual({ name: 'plain' });
    expect(section.get('hash-1')).toEqual({ name: 'renamed' });
    expect(section.get('clé-ключ-鍵')).toBeUndefined();
    expect(section.canonicalJson('clé-ключ-鍵')).toBeUndefined();
    expect(section.canonicalJson('hash-new')).toBe('{"name":"new"}');
    const copied = PackedSection.from<{ name: string }>(structuredClone(section.portable()));
    for (const id of [...Object.keys(entries), 'hash-new']) expect(copied.get(id)).toEqual(section.get(id));
    expect(new Map(copied.entriesJson())).toEqual(new Map(section.entriesJson()));
  });
});
