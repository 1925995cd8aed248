// The spend floors this data plane enforces (shared/src/spend-floors.ts), beside the snapshot: a
// checkpoint replaces them all, an update must follow the position held (same epoch, next seq) and
// replaces only the orgs it names. The spend enforcer reads one org's floor per request.
import { isEmptySpendFloor, type OrgSpendFloor, type SpendFloorMessage, type SpendFloorPosition } from '../../../shared/src/spend-floors.ts';

export class SpendFloorsRejected extends Error {
  override name = 'SpendFloorsRejected';
}

export class SpendFloorStore {
  #floors = new Map<string, OrgSpendFloor>();
  #position: SpendFloorPosition | null = null;

  /** undefined: no floor (no credits, nothing ingested). */
  floor(orgId: string): OrgSpendFloor | undefined {
    return this.#floors.get(orgId);
  }

  /** Where this data plane stands in the floor stream; null = it needs a checkpoint. */
  position(): SpendFloorPosition | null {
    return this.#position;
  }

  /** Applies a verified message, or throws SpendFloorsRejected (an update that does not follow ours). */
  apply(message: SpendFloorMessage): void {
    if (message.checkpoint) {
      this.#floors = new Map(Object.entries(message.orgs));
    } else {
      const at = this.#position;
      if (at === null || at.epoch !== message.epoch || message.seq !== at.seq + 1) {
        throw new SpendFloorsRejected(`spend floor update ${message.seq} does not follow ${at === null ? 'nothing' : `${at.seq}`} of this epoch`);
      }
      for (const [orgId, floor] of Object.entries(message.orgs)) {
        if (isEmptySpendFloor(floor)) this.#floors.delete(orgId);
        else this.#floors.set(orgId, floor);
      }
    }
    this.#position = { epoch: message.epoch, seq: message.seq };
  }

  /** What it holds as one checkpoint message (a worker thread starts from it), or null before the first. */
  checkpoint(): SpendFloorMessage | null {
    if (this.#position === null) return null;
    return { kind: 'spend-floors', epoch: this.#position.epoch, seq: this.#position.seq, checkpoint: true, orgs: Object.fromEntries(this.#floors) };
  }

  /** The next subscription asks for a checkpoint; the floors held stay in force until it arrives. */
  forgetPosition(): void {
    this.#position = null;
  }
}
