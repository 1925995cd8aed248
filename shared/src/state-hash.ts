// The snapshot state's hash, built from one hash per entry so that changing a few entries updates it in
// proportion to the change instead of re-hashing the whole state: LtHash, the lattice-based homomorphic
// multiset hash of Bellare and Micciancio as Facebook deploys it for update propagation (Lewi et al.,
// "Securing Update Propagation with Homomorphic Hashing", 2019). Each entry — its section, id and
// canonical JSON — is expanded by SHAKE256 into 1024 lanes of 16 bits; a state's lanes are the lane-wise
// sums of its entries' lanes modulo 2^16 (order does not matter, and subtracting an entry removes it);
// the published hash is the SHA-256 of those lanes. At these parameters (n = 1024, 16-bit lanes) finding
// two different states with equal lanes is a lattice problem of over 200 bits of security, so a state
// that matches a signed hash is the state that was signed.
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';

const LANE_COUNT = 1024;
const LANE_BYTES = LANE_COUNT * 2;
/** Whether a Uint16Array's own bytes are already the little-endian lanes digest() hashes. */
const LITTLE_ENDIAN = endianness() === 'LE';

export class StateHash {
  readonly #lanes: Uint16Array;

  /** The empty state's, or a copy of `lanes` (another StateHash's, or a worker's). */
  constructor(lanes?: Uint16Array) {
    this.#lanes = lanes === undefined ? new Uint16Array(LANE_COUNT) : new Uint16Array(lanes);
    if (this.#lanes.length !== LANE_COUNT) throw new Error(`a state hash has ${LANE_COUNT} lanes, not ${this.#lanes.length}`);
  }

  /** A copy of the lanes (for a worker's reply, or a later incremental update). */
  get lanes(): Uint16Array {
    return new Uint16Array(this.#lanes);
  }

  /** Adds one entry; `canonicalEntry` is canonicalJson(entry). */
  add(section: string, id: string, canonicalEntry: string): void {
    this.#combine(section, id, canonicalEntry, 1);
  }

  /** Removes one entry that add() put in (the same section, id and canonical JSON). */
  remove(section: string, id: string, canonicalEntry: string): void {
    this.#combine(section, id, canonicalEntry, -1);
  }

  /** Adds every entry another StateHash holds, given its lanes (a worker's hash of a delta's new entries). */
  addLanes(other: Uint16Array): void {
    if (other.length !== LANE_COUNT) throw new Error(`a state hash has ${LANE_COUNT} lanes, not ${other.length}`);
    for (let lane = 0; lane < LANE_COUNT; lane++) this.#lanes[lane] = (this.#lanes[lane] as number) + (other[lane] as number);
  }

  /** Hex SHA-256 of the lanes, little-endian: what snapshot messages carry as stateHash. */
  digest(): string {
    // The lanes' own bytes in one native call: writing them out a writeUInt16LE at a time cost the request
    // loop 1-2 ms per snapshot swap (a loop run once a swap stays in the interpreter).
    const bytes = Buffer.from(this.#lanes.buffer, this.#lanes.byteOffset, LANE_BYTES);
    return createHash('sha256')
      .update(LITTLE_ENDIAN ? bytes : Buffer.from(bytes).swap16())
      .digest('hex');
  }

  #combine(section: string, id: string, canonicalEntry: string, sign: 1 | -1): void {
    const expanded = createHash('shake256', { outputLength: LANE_BYTES })
      .update(`${JSON.stringify(section)}:${JSON.stringify(id)}:`)
      .update(canonicalEntry)
      .digest();
    const lanes = this.#lanes;
    // Uint16Array arithmetic wraps modulo 2^16.
    for (let lane = 0, byte = 0; lane < LANE_COUNT; lane++, byte += 2) {
      lanes[lane] = (lanes[lane] as number) + sign * ((expanded[byte] as number) | ((expanded[byte + 1] as number) << 8));
    }
  }
}
