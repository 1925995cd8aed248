// A snapshot section as the data plane holds it when it may be large (API keys): the packed entries a
// worker thread built (packed-entries.ts), the small deltas applied since on top (changes, by id), and
// the entries parsed so far (each on its first lookup). A large delta is merged into new packed entries
// beside this one (merge-keys.ts, in the feed's worker thread), and the result swapped in by reference.
import { canonicalJson } from '../../../shared/src/canonical-json.ts';
import { entryId, entryJson, findEntry, isTombstone, packEntries, type PackedEntries } from './packed-entries.ts';

/** What crosses to a thread (structured clone keeps data, not classes): PackedSection.from takes it back. */
export interface PortablePackedSection {
  packed: PackedEntries;
  changes: Array<[string, unknown]>;
}

export class PackedSection<Entry> {
  readonly packed: PackedEntries;
  /** Entries changed since `packed` was built: the new entry, or null for one removed. */
  #changes = new Map<string, Entry | null>();
  /** Entries of `packed` parsed so far; a request that found an entry keeps that object. */
  #parsed = new Map<string, Entry>();

  constructor(packed: PackedEntries, changes: Iterable<[string, Entry | null]> = []) {
    this.packed = packed;
    for (const [id, entry] of changes) this.#changes.set(id, entry);
  }

  /** From a plain section (the snapshot file, tests). */
  static fromRecord<Entry>(entries: Readonly<Record<string, Entry>>): PackedSection<Entry> {
    return new PackedSection(packEntries(Object.entries(entries).map(([id, entry]) => [id, canonicalJson(entry)] as const)));
  }

  static from<Entry>(portable: PortablePackedSection): PackedSection<Entry> {
    return new PackedSection(portable.packed, portable.changes as Array<[string, Entry | null]>);
  }

  portable(): PortablePackedSection {
    return { packed: this.packed, changes: [...this.#changes] };
  }

  get(id: string): Entry | undefined {
    const changed = this.#changes.get(id);
    if (changed !== undefined) return changed ?? undefined;
    const parsed = this.#parsed.get(id);
    if (parsed !== undefined) return parsed;
    const index = findEntry(this.packed, id);
    if (index === -1 || isTombstone(this.packed, index)) return undefined;
    const entry = JSON.parse(entryJson(this.packed, index)) as Entry;
    this.#parsed.set(id, entry);
    return entry;
  }

  /** The canonical JSON of the entry held under `id` (what the state hash took in), or undefined. */
  canonicalJson(id: string): string | undefined {
    const changed = this.#changes.get(id);
    if (changed !== undefined) return changed === null ? undefined : canonicalJson(changed);
    const index = findEntry(this.packed, id);
    return index === -1 || isTombstone(this.packed, index) ? undefined : entryJson(this.packed, index);
  }

  /** A small delta, in place: a reader that already took an entry keeps it (entries are replaced, never modified). */
  set(id: string, entry: Entry): void {
    this.#changes.set(id, entry);
  }

  delete(id: string): void {
    this.#changes.set(id, null);
  }

  /** Every entry as [id, JSON] (the snapshot file): the packed ones not changed since, then the changed ones. */
  *entriesJson(): Generator<[string, string]> {
    for (let index = 0; index < this.packed.count; index++) {
      if (isTombstone(this.packed, index)) continue;
      const id = entryId(this.packed, index);
      if (!this.#changes.has(id)) yield [id, entryJson(this.packed, index)];
    }
    for (const [id, entry] of this.#changes) if (entry !== null) yield [id, JSON.stringify(entry)];
  }
}
