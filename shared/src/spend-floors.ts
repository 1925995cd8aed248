// Spend floors: what the ledger says about an org's money, sent to data planes beside the snapshot but
// never inside it. They move with every ingested batch, so as config they would publish a new snapshot
// version (and make every data plane re-apply it) many times a second under traffic. They travel as small
// signed messages on the same channel instead: a checkpoint with every org, then updates with only the
// orgs that changed, numbered within the publishing control plane's epoch.
import { z } from 'zod';

export const orgSpendFloorSchema = z.object({
  /**
   * Every ledger entry except usage debits, summed (grants and purchases, less adjustments), µ$. The
   * balance is creditsMicros − usageDebitedMicros; data planes subtract spend not yet ingested.
   */
  creditsMicros: z.number().int(),
  /** Usage debits ingested so far, as a positive total, µ$ (a floor for the data planes' spend counters). */
  usageDebitedMicros: z.number().int().nonnegative(),
  /** The UTC day (YYYY-MM-DD) userMicros counts. */
  day: z.string(),
  /** Ingested spend (BYOK excluded) per user on `day`, µ$: the floor of the daily counters. */
  userMicros: z.record(z.string(), z.number().int().nonnegative()),
});

export type OrgSpendFloor = z.infer<typeof orgSpendFloorSchema>;

/** An org without an entry has no credits and has spent nothing. */
export const NO_SPEND_FLOOR: OrgSpendFloor = Object.freeze({ creditsMicros: 0, usageDebitedMicros: 0, day: '', userMicros: Object.freeze({}) });

/** A position in one control plane's floor stream: `seq` only compares within one `epoch`. */
export interface SpendFloorPosition {
  epoch: string;
  seq: number;
}

export const spendFloorMessageSchema = z.object({
  kind: z.literal('spend-floors'),
  /** The publishing control plane's run (a replica's numbering means nothing to another). */
  epoch: z.string().regex(/^[^.]+$/, 'an epoch has no dot (see formatChannelPosition)'),
  seq: z.number().int().positive(),
  /** true: a checkpoint, every org (orgs absent have no floor); false: these orgs' floors replace theirs. */
  checkpoint: z.boolean(),
  orgs: z.record(z.string(), orgSpendFloorSchema),
});

export type SpendFloorMessage = z.infer<typeof spendFloorMessageSchema>;

export function sameSpendFloor(left: OrgSpendFloor, right: OrgSpendFloor): boolean {
  if (left.creditsMicros !== right.creditsMicros || left.usageDebitedMicros !== right.usageDebitedMicros || left.day !== right.day) return false;
  const leftUsers = Object.keys(left.userMicros);
  if (leftUsers.length !== Object.keys(right.userMicros).length) return false;
  return leftUsers.every((userId) => left.userMicros[userId] === right.userMicros[userId]);
}

/** An org's floor is worth sending in a checkpoint only when it is not the same as having none. */
export function isEmptySpendFloor(floor: OrgSpendFloor): boolean {
  return floor.creditsMicros === 0 && floor.usageDebitedMicros === 0 && Object.keys(floor.userMicros).length === 0;
}
