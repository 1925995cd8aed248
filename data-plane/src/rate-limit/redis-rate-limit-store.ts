// The rate limit store several data planes share: a request's admission is one Lua script (its cells
// checked and charged atomically across replicas, Redis' own clock deciding), and token corrections
// found at settle ride along with the next admission this data plane sends, so a request costs one
// Redis call. Corrections left waiting (no traffic) are sent by one timer, not one per request.
// Per cell one key: its theoretical arrival time (epoch ms), expiring when the cell is full again.
import { openRedisConnection } from '../../../shared/src/redis-connection.ts';
import { RATE_PERIOD_MS, type AdmitOutcome, type CellState, type RateLimitStore } from './rate-limit-store.ts';

// KEYS: the admitted cells, then the corrected ones. ARGV: the number of admitted cells, then per
// admitted cell: perMinute, cost; then per corrected cell: perMinute, units.
// Returns: refused (0 = admitted, else the 1-based cell), retry-after ms, then per admitted cell:
// remaining, reset ms.
const admitScript = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local period = ${RATE_PERIOD_MS}
local admitted = tonumber(ARGV[1])
local function store(key, tat)
  if tat <= now then redis.call('DEL', key)
  else redis.call('SET', key, string.format('%.3f', tat), 'PX', math.ceil(tat - now)) end
end
for i = admitted + 1, #KEYS do
  local at = 2 * admitted + 2 * (i - admitted)
  local perMinute, units = tonumber(ARGV[at]), tonumber(ARGV[at + 1])
  store(KEYS[i], math.max(tonumber(redis.call('GET', KEYS[i]) or '0'), now) + units * period / perMinute)
end
local out = {0, 0}
local tats = {}
for i = 1, admitted do
  local perMinute, cost = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local tat = math.max(tonumber(redis.call('GET', KEYS[i]) or '0'), now)
  local after = tat + cost * period / perMinute
  if out[1] == 0 and after - now > period then
    out[1] = i
    out[2] = math.ceil(after - now - period)
  end
  tats[i] = {tat, after}
end
for i = 1, admitted do
  local perMinute = tonumber(ARGV[2 * i])
  local tat = tats[i][1]
  if out[1] == 0 then
    tat = tats[i][2]
    store(KEYS[i], tat)
  end
  out[2 * i + 1] = math.max(0, math.floor((period - (tat - now)) * perMinute / period))
  out[2 * i + 2] = math.ceil(tat - now)
end
return out
`;

/** Corrections sent with one admission at most; more wait for the next. */
const MAX_CORRECTIONS_PER_CALL = 32;
const CORRECTION_FLUSH_MS = 1_000;

export interface RedisRateLimitStoreOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs?: number;
  log?: (line: string) => void;
}

export function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): RateLimitStore & { ready(): Promise<void> } {
  const connection = openRedisConnection({ ...options, label: 'rate limits' });
  const { redis } = connection;
  redis.defineCommand('rateAdmit', { lua: admitScript });
  const script = (redis as unknown as { rateAdmit(keyCount: number, ...args: Array<string | number>): Promise<number[]> }).rateAdmit.bind(redis);

  /** Cell key (unprefixed) → its perMinute and the units still to charge (or give back). */
  const pending = new Map<string, { perMinute: number; units: number }>();

  /** Takes up to MAX_CORRECTIONS_PER_CALL pending corrections as script keys and arguments. */
  function takeCorrections(keys: string[], args: Array<string | number>): void {
    for (const [key, correction] of pending) {
      if (keys.length >= MAX_CORRECTIONS_PER_CALL) break;
      pending.delete(key);
      keys.push(options.keyPrefix + key);
      args.push(correction.perMinute, correction.units);
    }
  }

  const flush = setInterval(() => {
    if (pending.size === 0 || connection.unreachable() !== null) return;
    const keys: string[] = [];
    const args: Array<string | number> = [0];
    takeCorrections(keys, args);
    script(keys.length, ...keys, ...args).catch((error: unknown) => options.log?.(`rate limits: corrections lost: ${String(error)}`));
  }, CORRECTION_FLUSH_MS);
  flush.unref();

  return {
    async admit(cells): Promise<AdmitOutcome> {
      const keys: string[] = [];
      const args: Array<string | number> = [cells.length];
      for (const cell of cells) {
        keys.push(options.keyPrefix + cell.key);
        args.push(cell.perMinute, cell.cost);
      }
      takeCorrections(keys, args);
      const out = await script(keys.length, ...keys, ...args);
      const states: CellState[] = cells.map((_, index) => ({ remaining: out[2 * index + 2] ?? 0, resetMs: out[2 * index + 3] ?? 0 }));
      const refused = out[0] ?? 0;
      return refused === 0 ? { ok: true, cells: states } : { ok: false, refused: refused - 1, retryAfterMs: out[1] ?? 0, cells: states };
    },
    correct(key, perMinute, units) {
      const correction = pending.get(key);
      if (correction === undefined) pending.set(key, { perMinute, units });
      else correction.units += units;
    },
    unreachable: connection.unreachable,
    ready: connection.ready,
    async close() {
      clearInterval(flush);
      redis.disconnect();
    },
  };
}
