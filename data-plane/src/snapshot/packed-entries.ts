// A snapshot section held as bytes, not objects: the entries' ids and canonical JSON in two byte buffers
// and an open-addressing hash table of their indexes, all typed arrays over SharedArrayBuffers. The feed's
// worker thread builds it and both threads read it (it is never modified once built: a change is a new
// one built beside), so the request loop takes in 100k API keys without creating 100k objects, and the
// worker merges a large delta onto the keys the loop holds without a copy either way (and without
// allocating tens of megabytes on the request loop, which started a full collection in the same turn): as objects they cost it the growth of a 100k-entry dictionary (steps of 17-30 ms) and
// scavenges of 40-85 ms that copied them all as survivors (--trace-gc during the bench's swap, load 11).
// Hand-written because no library indexes bytes this way; lookups parse one entry, when first asked for.
// An entry with empty JSON is a tombstone: the id is removed (a delta's removals, merged below).
import { sharedBytes, sharedUint32 } from './shared-bytes.ts';

export interface PackedEntries {
  /** Entries, tombstones included. */
  count: number;
  /** UTF-8 ids, one after the other: entry i's is ids[idOffsets[i]..idOffsets[i+1]). */
  ids: Uint8Array;
  idOffsets: Uint32Array;
  /** UTF-8 canonical JSON of each entry, likewise (empty: a tombstone). */
  json: Uint8Array;
  jsonOffsets: Uint32Array;
  /** Open addressing, linear probing: entry index + 1, 0 for an empty slot; a power of two, at most half full. */
  slots: Uint32Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** FNV-1a over bytes. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let at = start; at < end; at++) hash = Math.imul(hash ^ bytes[at]!, 0x01000193);
  return hash >>> 0;
}

function slotCount(entries: number): number {
  let slots = 8;
  while (slots < entries * 2) slots *= 2;
  return slots;
}

function sameBytes(left: Uint8Array, leftStart: number, right: Uint8Array, rightStart: number, length: number): boolean {
  for (let at = 0; at < length; at++) if (left[leftStart + at] !== right[rightStart + at]) return false;
  return true;
}

/** The entry whose id is `bytes[start..end)`, or -1. */
function findBytes(packed: PackedEntries, bytes: Uint8Array, start: number, end: number): number {
  const { slots, ids, idOffsets } = packed;
  const mask = slots.length - 1;
  const length = end - start;
  for (let slot = hashBytes(bytes, start, end) & mask; ; slot = (slot + 1) & mask) {
    const held = slots[slot]!;
    if (held === 0) return -1;
    const index = held - 1;
    const idStart = idOffsets[index]!;
    if (idOffsets[index + 1]! - idStart === length && sameBytes(ids, idStart, bytes, start, length)) return index;
  }
}

function insertSlot(packed: PackedEntries, index: number): void {
  const { slots, ids, idOffsets } = packed;
  const mask = slots.length - 1;
  let slot = hashBytes(ids, idOffsets[index]!, idOffsets[index + 1]!) & mask;
  while (slots[slot] !== 0) slot = (slot + 1) & mask;
  slots[slot] = index + 1;
}

/** A lookup's id as UTF-8, in a buffer kept between lookups (no allocation per request). */
let scratch = new Uint8Array(256);

/** The index of the entry with this id (a tombstone's too), or -1. */
export function findEntry(packed: PackedEntries, id: string): number {
  if (id.length * 3 > scratch.length) scratch = new Uint8Array(id.length * 3);
  const { written } = encoder.encodeInto(id, scratch);
  return findBytes(packed, scratch, 0, written);
}

export const isTombstone = (packed: PackedEntries, index: number) => packed.jsonOffsets[index] === packed.jsonOffsets[index + 1];
export const entryId = (packed: PackedEntries, index: number) => decoder.decode(packed.ids.subarray(packed.idOffsets[index], packed.idOffsets[index + 1]));
export const entryJson = (packed: PackedEntries, index: number) =>
  decoder.decode(packed.json.subarray(packed.jsonOffsets[index], packed.jsonOffsets[index + 1]));

/** Packs `[id, canonical JSON]` pairs ('' for a tombstone), ids distinct. */
export function packEntries(pairs: ReadonlyArray<readonly [string, string]>): PackedEntries {
  const count = pairs.length;
  const idOffsets = sharedUint32(count + 1);
  const jsonOffsets = sharedUint32(count + 1);
  for (let index = 0; index < count; index++) {
    idOffsets[index + 1] = idOffsets[index]! + Buffer.byteLength(pairs[index]![0]);
    jsonOffsets[index + 1] = jsonOffsets[index]! + Buffer.byteLength(pairs[index]![1]);
  }
  const ids = sharedBytes(idOffsets[count]!);
  const json = sharedBytes(jsonOffsets[count]!);
  for (let index = 0; index < count; index++) {
    encoder.encodeInto(pairs[index]![0], ids.subarray(idOffsets[index]));
    encoder.encodeInto(pairs[index]![1], json.subarray(jsonOffsets[index]));
  }
  const packed: PackedEntries = { count, ids, idOffsets, json, jsonOffsets, slots: sharedUint32(slotCount(count)) };
  for (let index = 0; index < count; index++) insertSlot(packed, index);
  return packed;
}

export const emptyPackedEntries = (): PackedEntries => packEntries([]);

/** Entries copied per step of mergeSteps: 1-2 ms of CPU at 300 bytes a key (2-4 µs a key measured at load 15). */
const MERGE_STEP = 500;
/** Entries reported replaced per step: the caller hashes each (a few milliseconds per hundred). */
const REPLACED_STEP = 100;

/**
 * `layers` merged into one, newest first: an id takes its entry from the newest layer that has it, a
 * tombstone hides the id in older layers (tombstones of the oldest layer are dropped, nothing is older).
 * Yields every MERGE_STEP entries (or REPLACED_STEP replaced), allocating no object per entry, so a caller on the request loop can
 * pause between steps. `onReplaced`: told of each live entry of an older layer that layer 0's entries
 * (upserts or tombstones) hide, with no layer in between having the id: what a delta (layer 0) removes
 * or replaces in the state the other layers make up, whose hash loses those entries.
 */
export function* mergeSteps(layers: readonly PackedEntries[], onReplaced?: (packed: PackedEntries, index: number) => void): Generator<void, PackedEntries> {
  let count = 0;
  let idBytes = 0;
  let jsonBytes = 0;
  for (const layer of layers) {
    count += layer.count;
    idBytes += layer.ids.length;
    jsonBytes += layer.json.length;
  }
  const merged: PackedEntries = {
    count: 0,
    ids: sharedBytes(idBytes),
    idOffsets: sharedUint32(count + 1),
    json: sharedBytes(jsonBytes),
    jsonOffsets: sharedUint32(count + 1),
    slots: sharedUint32(slotCount(count)),
  };
  /** Per merged entry: taken from layer 0 and not yet found hiding an older entry. */
  const fromFirstLayer = new Uint8Array(count);
  let steps = 0;
  let replaced = 0;
  for (const [layerIndex, layer] of layers.entries()) {
    const oldest = layerIndex === layers.length - 1;
    for (let index = 0; index < layer.count; index++) {
      if (++steps % MERGE_STEP === 0) yield;
      const idStart = layer.idOffsets[index]!;
      const idEnd = layer.idOffsets[index + 1]!;
      const found = findBytes(merged, layer.ids, idStart, idEnd);
      if (found !== -1) {
        if (fromFirstLayer[found] === 1) {
          fromFirstLayer[found] = 0;
          if (!isTombstone(layer, index) && onReplaced !== undefined) {
            onReplaced(layer, index);
            if (++replaced % REPLACED_STEP === 0) yield;
          }
        }
        continue;
      }
      if (oldest && isTombstone(layer, index)) continue;
      const at = merged.count++;
      merged.ids.set(layer.ids.subarray(idStart, idEnd), merged.idOffsets[at]);
      merged.idOffsets[at + 1] = merged.idOffsets[at]! + idEnd - idStart;
      const jsonStart = layer.jsonOffsets[index]!;
      const jsonEnd = layer.jsonOffsets[index + 1]!;
      merged.json.set(layer.json.subarray(jsonStart, jsonEnd), merged.jsonOffsets[at]);
      merged.jsonOffsets[at + 1] = merged.jsonOffsets[at]! + jsonEnd - jsonStart;
      insertSlot(merged, at);
      if (layerIndex === 0) fromFirstLayer[at] = 1;
    }
  }
  return merged;
}

/** mergeSteps straight through (a worker thread). */
export function mergePackedEntries(layers: readonly PackedEntries[]): PackedEntries {
  const steps = mergeSteps(layers);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
