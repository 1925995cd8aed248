// The rate limit store of a single data plane: one map from cell to its GCRA time, so every admit is
// atomic by construction (nothing awaits in between). Cells that are full again are dropped by a sweep
// at most once a minute; nothing is scheduled per request.
import { cellState, RATE_PERIOD_MS, type AdmitOutcome, type RateLimitStore } from './rate-limit-store.ts';

export function createInProcessRateLimitStore(now: () => number = Date.now): RateLimitStore {
  /** Cell key → theoretical arrival time (epoch ms); absent = full. */
  const tats = new Map<string, number>();
  let nextSweep = 0;

  function sweep(at: number): void {
    if (at < nextSweep) return;
    nextSweep = at + RATE_PERIOD_MS;
    for (const [key, tat] of tats) if (tat <= at) tats.delete(key);
  }

  return {
    async admit(cells): Promise<AdmitOutcome> {
      const at = now();
      sweep(at);
      let refused = -1;
      let retryAfterMs = 0;
      for (let index = 0; index < cells.length && refused < 0; index++) {
        const cell = cells[index]!;
        const next = Math.max(tats.get(cell.key) ?? at, at) + (cell.cost * RATE_PERIOD_MS) / cell.perMinute;
        if (next - at > RATE_PERIOD_MS) {
          refused = index;
          retryAfterMs = Math.ceil(next - at - RATE_PERIOD_MS);
        }
      }
      const states = cells.map((cell) => {
        let tat = Math.max(tats.get(cell.key) ?? at, at);
        if (refused < 0) {
          tat += (cell.cost * RATE_PERIOD_MS) / cell.perMinute;
          tats.set(cell.key, tat);
        }
        return cellState(tat, cell.perMinute, at);
      });
      return refused < 0 ? { ok: true, cells: states } : { ok: false, refused, retryAfterMs, cells: states };
    },
    correct(key, perMinute, units) {
      const at = now();
      const tat = Math.max(tats.get(key) ?? at, at) + (units * RATE_PERIOD_MS) / perMinute;
      if (tat <= at) tats.delete(key);
      else tats.set(key, tat);
    },
    unreachable: () => null,
    async close() {
      tats.clear();
    },
  };
}
