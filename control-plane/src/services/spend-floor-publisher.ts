// Keeps the spend floors (shared/src/spend-floors.ts) data planes need and the signed messages that
// carry them. A change names the orgs it touched (usage ingest, a ledger entry); after a short debounce
// only those orgs are read again, and the ones whose floor moved go out as one signed update. A data
// plane resumes from any update still in the log; otherwise it gets the log's checkpoint (every org)
// and the updates since. A new checkpoint replaces the log once the updates in it outweigh the last
// checkpoint, so what a data plane replays (and keeps on disk) stays under twice one checkpoint.
import { randomUUID } from 'node:crypto';
import type { SnapshotSigner } from '../../../shared/src/crypto.ts';
import type { SpendFloorEnvelope } from '../../../shared/src/data-plane-channel.ts';
import {
  isEmptySpendFloor,
  NO_SPEND_FLOOR,
  sameSpendFloor,
  type OrgSpendFloor,
  type SpendFloorMessage,
  type SpendFloorPosition,
} from '../../../shared/src/spend-floors.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { compileSpendFloors } from './spend-floor-compiler.ts';

export interface SpendFloorPublisherOptions {
  prisma: PrismaClient;
  signer: SnapshotSigner;
  /** Called after every new message, so subscribers wake up. */
  onPublish(): void;
  debounceMs?: number;
  /** Every floor read (after ingest, a ledger entry, or the whole read at start): budget alerts check them. */
  onFloors?(floors: ReadonlyMap<string, OrgSpendFloor>): void;
  log?: (line: string) => void;
}

export interface SpendFloorPublisher {
  /** This run's epoch: positions of another epoch (another replica, an earlier run) get the checkpoint. */
  readonly epoch: string;
  /** The newest message's position (seq 0 before start()). */
  readonly position: SpendFloorPosition;
  /** The org's floor as last published; undefined = none (no credits, nothing spent). */
  floor(orgId: string): OrgSpendFloor | undefined;
  start(): Promise<void>;
  /** These orgs' floors may have moved (null = any org's). Cheap; debounced. */
  changed(orgIds: readonly string[] | null): void;
  /** Resolves once every change signalled so far is read and published. */
  settled(): Promise<void>;
  /** Whether a data plane at `position` lacks a message (synchronous, so a caller can wait without a gap). */
  behind(position: SpendFloorPosition | null): boolean;
  /** The messages that bring a data plane at `position` to the newest one. */
  catchUp(position: SpendFloorPosition | null): Promise<SpendFloorEnvelope[]>;
  close(): Promise<void>;
}

interface LogEntry {
  seq: number;
  envelope: Promise<SpendFloorEnvelope>;
}

export function createSpendFloorPublisher(options: SpendFloorPublisherOptions): SpendFloorPublisher {
  const { prisma, signer, onPublish, debounceMs = 100, log = () => {} } = options;
  const epoch = randomUUID();
  const floors = new Map<string, OrgSpendFloor>();
  /** log[0] is the checkpoint, then every update since, in order. */
  let entries: LogEntry[] = [];
  let seq = 0;
  let checkpointBytes = 0;
  let updateBytes = 0;
  let pending = new Set<string>();
  let pendingAll = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let closed = false;

  function append(checkpoint: boolean, orgs: Record<string, OrgSpendFloor>): void {
    seq += 1;
    const message: SpendFloorMessage = { kind: 'spend-floors', epoch, seq, checkpoint, orgs };
    const entrySeq = seq;
    const entry: LogEntry = { seq, envelope: signer.sign(message).then((jws) => ({ spendFloors: { epoch, seq: entrySeq }, jws })) };
    const bytes = JSON.stringify(orgs).length;
    if (checkpoint) {
      entries = [entry];
      checkpointBytes = bytes;
      updateBytes = 0;
    } else {
      entries.push(entry);
      updateBytes += bytes;
    }
    onPublish();
  }

  function checkpoint(): void {
    const orgs: Record<string, OrgSpendFloor> = {};
    for (const [orgId, floor] of floors) if (!isEmptySpendFloor(floor)) orgs[orgId] = floor;
    append(true, orgs);
  }

  async function refresh(orgIds: readonly string[] | null): Promise<void> {
    const read = await compileSpendFloors(prisma, orgIds);
    options.onFloors?.(read);
    if (orgIds === null) {
      floors.clear();
      for (const [orgId, floor] of read) floors.set(orgId, floor);
      checkpoint();
      return;
    }
    const moved: Record<string, OrgSpendFloor> = {};
    for (const orgId of orgIds) {
      const next = read.get(orgId);
      const previous = floors.get(orgId);
      if (next === undefined) {
        // The org is gone: data planes drop its floor (its keys left the snapshot anyway).
        if (previous === undefined) continue;
        floors.delete(orgId);
        moved[orgId] = NO_SPEND_FLOOR;
      } else if (previous === undefined || !sameSpendFloor(previous, next)) {
        floors.set(orgId, next);
        moved[orgId] = next;
      }
    }
    if (Object.keys(moved).length === 0) return;
    append(false, moved);
    if (updateBytes > checkpointBytes) checkpoint();
  }

  /** Runs refreshes one at a time; changes signalled during a run are read by the next. */
  function run(): Promise<void> {
    if (running) return running;
    const thisRun = (async () => {
      while (!closed && (pendingAll || pending.size > 0)) {
        const orgIds = pendingAll ? null : [...pending].sort();
        pending = new Set();
        pendingAll = false;
        try {
          await refresh(orgIds);
        } catch (error) {
          // Data planes keep the floors they have; the next change (or a later run for these orgs) retries.
          log(`spend floor refresh failed: ${error instanceof Error ? error.message : String(error)}`);
          if (orgIds === null) pendingAll = true;
          else for (const orgId of orgIds) pending.add(orgId);
          break;
        }
      }
    })().finally(() => {
      // Cleared after the assignment below even when there was nothing to read (the body then ends synchronously).
      if (running === thisRun) running = null;
    });
    running = thisRun;
    return thisRun;
  }

  return {
    epoch,
    get position() {
      return { epoch, seq };
    },
    floor: (orgId) => floors.get(orgId),
    async start() {
      pendingAll = true;
      await run();
      if (seq === 0) throw new Error('spend floors could not be read');
    },
    changed(orgIds) {
      if (closed) return;
      if (orgIds === null) pendingAll = true;
      else for (const orgId of orgIds) pending.add(orgId);
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        void run();
      }, debounceMs);
    },
    async settled() {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      await run();
      while (running) await running;
    },
    behind(position) {
      return position === null || position.epoch !== epoch || position.seq !== seq;
    },
    async catchUp(position) {
      const first = entries[0];
      if (first === undefined) return [];
      const resumable = position !== null && position.epoch === epoch && position.seq >= first.seq && position.seq <= seq;
      const due = resumable ? entries.filter((entry) => entry.seq > position.seq) : entries;
      return Promise.all(due.map((entry) => entry.envelope));
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      while (running) await running;
    },
  };
}
