// Request and token rate limits behind one interface: in-process for a single data plane, Redis when
// several share them. Each limit is a GCRA cell (generic cell rate algorithm: one number per cell, the
// "theoretical arrival time" at which the cell is empty again), allowing `perMinute` units per minute,
// all of them at once when the cell is full. admit() checks every cell a request draws on and charges
// all of them, or none, in one atomic step.

export const RATE_PERIOD_MS = 60_000;

export interface RateCell {
  /** Stable name; `{orgId}` in braces keeps one org's cells in one Redis Cluster slot. */
  key: string;
  /** Units (requests or tokens) per minute. */
  perMinute: number;
  /** Units this request takes: 1 request, or its estimated tokens (at most perMinute). */
  cost: number;
}

export interface CellState {
  /** Units that could still be taken right now. */
  remaining: number;
  /** Ms until the cell is full again. */
  resetMs: number;
}

export type AdmitOutcome =
  | { ok: true; cells: CellState[] }
  /** `refused`: the index of the first cell that could not take its cost; nothing was charged. */
  | { ok: false; refused: number; retryAfterMs: number; cells: CellState[] };

export interface RateLimitStore {
  admit(cells: readonly RateCell[]): Promise<AdmitOutcome>;
  /** Charges `units` more to a cell (negative: gives some back): a token estimate corrected at settle. */
  correct(key: string, perMinute: number, units: number): void;
  /** Why the store is known to be unreachable right now, else null. */
  unreachable(): string | null;
  close(): Promise<void>;
}

/** One cell's state after `tat` (its theoretical arrival time, epoch ms) at `nowMs`. */
export function cellState(tat: number, perMinute: number, nowMs: number): CellState {
  const busyMs = Math.max(0, tat - nowMs);
  return { remaining: Math.max(0, Math.floor(((RATE_PERIOD_MS - busyMs) * perMinute) / RATE_PERIOD_MS)), resetMs: Math.ceil(busyMs) };
}
