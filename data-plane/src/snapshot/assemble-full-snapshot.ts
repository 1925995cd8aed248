// A full snapshot sent in parts (shared/src/snapshot.ts splitSnapshotState) is put together here, in
// the feed's worker thread: each part is signed and carries the version, the whole state's hash and
// its place (index of count); parts must arrive in order, all of one version, and the whole must hash to
// the signed stateHash (LtHash: the sum of the parts' lanes). Anything else throws, and the data plane
// resubscribes for a full snapshot as after any rejected message.
import { snapshotSections } from '../../../shared/src/snapshot.ts';
import { StateHash } from '../../../shared/src/state-hash.ts';
import { plainSections } from './held-state.ts';
import { mergePackedEntries } from './packed-entries.ts';
import type { ParsedFullSnapshot, ParsedSnapshotPart } from './parse-snapshot-message.ts';
import { sharedUtf8 } from './shared-bytes.ts';

/** The whole snapshot out of all its parts, in order; throws when they do not hash to the signed stateHash. */
export function assembleFullSnapshot(parts: readonly ParsedSnapshotPart[]): ParsedFullSnapshot {
  const { version, stateHash } = parts[0]!;
  const hash = new StateHash();
  for (const part of parts) hash.addLanes(part.lanes);
  if (hash.digest() !== stateHash) throw new Error(`snapshot ${version}: the state does not hash to the signed stateHash`);
  const sections = {} as ParsedFullSnapshot['sections'];
  const stateJson: Uint8Array[] = [];
  for (const section of plainSections) sections[section] = parts.flatMap((part) => part.sections[section]);
  // The parts hold distinct keys: merged, they are the whole snapshot's.
  const apiKeys = parts.length === 1 ? parts[0]!.apiKeys : mergePackedEntries(parts.map((part) => part.apiKeys));
  for (const [sectionIndex, section] of snapshotSections.entries()) {
    stateJson.push(sharedUtf8(`${sectionIndex === 0 ? '{' : '},'}${JSON.stringify(section)}:{`));
    // Every member piece starts with a comma; the section's first one goes without.
    parts.flatMap((part) => part.members[section]).forEach((piece, pieceIndex) => stateJson.push(pieceIndex === 0 ? piece.subarray(1) : piece));
  }
  stateJson.push(sharedUtf8('}}'));
  return { kind: 'full', version, stateHash, lanes: hash.lanes, sections, apiKeys, stateJson };
}

/** Collects the parts of one full snapshot as they arrive. */
export class FullSnapshotAssembler {
  #parts: ParsedSnapshotPart[] = [];

  /** The whole snapshot once its last part is in, else null; throws on a part out of sequence (and forgets the parts held). */
  add(part: ParsedSnapshotPart): ParsedFullSnapshot | null {
    const first = this.#parts[0];
    const follows =
      part.index === 0 ||
      (first !== undefined &&
        part.version === first.version &&
        part.stateHash === first.stateHash &&
        part.count === first.count &&
        part.index === this.#parts.length);
    if (!follows) {
      this.reset();
      throw new Error(`snapshot ${part.version}: part ${part.index + 1} of ${part.count} does not follow the parts received`);
    }
    if (part.index === 0) this.#parts = [];
    this.#parts.push(part);
    if (this.#parts.length < part.count) return null;
    const parts = this.#parts;
    this.#parts = [];
    return assembleFullSnapshot(parts);
  }

  /** Drops an incomplete snapshot (another message came, or the subscription ended). */
  reset(): void {
    this.#parts = [];
  }
}
