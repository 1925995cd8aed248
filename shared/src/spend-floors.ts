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
  /**
   * Ingested spend (BYOK excluded) of keys with a budget in their current windows, µ$, by
   * `keyBudgetWindowName` (budget-windows.ts): the floor of the per-key budget counters. Absent = none.
   */
  keyWindowMicros: z.record(z.string(), z.number().int().nonnegative()).optional(),
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
  return sameAmounts(left.userMicros, right.userMicros) && sameAmounts(left.keyWindowMicros ?? {}, right.keyWindowMicros ?? {});
}

function sameAmounts(left: Record<string, number>, right: Record<string, number>): boolean {
  const names = Object.keys(left);
  if (names.length !== Object.keys(right).length) return false;
  return names.every((name) => left[name] === right[name]);
}

/** An org's floor is worth sending in a checkpoint only when it is not the same as having none. */
export function isEmptySpendFloor(floor: OrgSpendFloor): boolean {
  return (
    floor.creditsMicros === 0 &&
    floor.usageDebitedMicros === 0 &&
    Object.keys(floor.userMicros).length === 0 &&
    Object.keys(floor.keyWindowMicros ?? {}).length === 0
  );
}
