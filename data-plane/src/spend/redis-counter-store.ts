// The counter store several data planes share: each operation is one Lua script, so a check and its
// hold happen atomically across every replica. Per counter, three keys:
//   <prefix><key>          hash: settled, reserved (µ$)
//   <prefix><key>:holds    sorted set: reservation id → lapse time (Redis TIME, epoch ms)
//   <prefix><key>:amounts  hash: reservation id → held µ$
// Holds that lapsed (a data plane died mid-request) are swept whenever a script touches the counter,
// so a crash never leaks a reservation for longer than its TTL. Redis' own clock decides lapses, so
// replicas with skewed clocks agree.
import { openRedisConnection } from '../../../shared/src/redis-connection.ts';
import type { CounterReading, CounterStore, ReserveOutcome, SpendCounter } from './counter-store.ts';

// Shared by every script: the current time and the sweep-and-raise step of one counter.
const prelude = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function touch(base, holds, amounts, floor)
  local lapsed = redis.call('ZRANGEBYSCORE', holds, '-inf', now)
  if #lapsed > 0 then
    local freed = 0
    for _, id in ipairs(lapsed) do
      freed = freed + tonumber(redis.call('HGET', amounts, id) or '0')
      redis.call('HDEL', amounts, id)
    end
    redis.call('ZREMRANGEBYSCORE', holds, '-inf', now)
    redis.call('HINCRBY', base, 'reserved', -freed)
  end
  local settled = tonumber(redis.call('HGET', base, 'settled') or '0')
  if settled < floor then
    settled = floor
    redis.call('HSET', base, 'settled', floor)
  end
  return settled, tonumber(redis.call('HGET', base, 'reserved') or '0')
end
local function drop(base, holds, amounts, id)
  if redis.call('ZREM', holds, id) == 1 then
    redis.call('HINCRBY', base, 'reserved', -tonumber(redis.call('HGET', amounts, id) or '0'))
    redis.call('HDEL', amounts, id)
  end
end
local function retain(i, ms)
  if ms ~= '' then
    for k = 3 * i - 2, 3 * i do redis.call('PEXPIRE', KEYS[k], ms) end
  end
end
`;

// ARGV: id, amount, ttl, then per counter: cap ('' = none), floor, retain ms ('' = kept).
const reserveScript = `${prelude}
local id, amount, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local counters = #KEYS / 3
for i = 1, counters do
  local cap, floor = ARGV[3 * i + 1], tonumber(ARGV[3 * i + 2])
  local settled, reserved = touch(KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i], floor)
  if cap ~= '' and settled + reserved + amount > tonumber(cap) then return {i, settled, reserved} end
end
for i = 1, counters do
  redis.call('ZADD', KEYS[3 * i - 1], now + ttl, id)
  redis.call('HSET', KEYS[3 * i], id, amount)
  redis.call('HINCRBY', KEYS[3 * i - 2], 'reserved', amount)
  retain(i, ARGV[3 * i + 3])
end
return {0}
`;

// ARGV: id, ttl. Only a hold that is still there is extended (XX).
const extendScript = `${prelude}
for i = 1, #KEYS / 3 do redis.call('ZADD', KEYS[3 * i - 1], 'XX', now + tonumber(ARGV[2]), ARGV[1]) end
return 0
`;

// ARGV: id, cost, then per counter: floor, retain ms.
const settleScript = `${prelude}
local id, cost = ARGV[1], tonumber(ARGV[2])
for i = 1, #KEYS / 3 do
  local base = KEYS[3 * i - 2]
  touch(base, KEYS[3 * i - 1], KEYS[3 * i], tonumber(ARGV[2 * i + 1]))
  drop(base, KEYS[3 * i - 1], KEYS[3 * i], id)
  redis.call('HINCRBY', base, 'settled', cost)
  retain(i, ARGV[2 * i + 2])
end
return 0
`;

// ARGV: id.
const releaseScript = `${prelude}
for i = 1, #KEYS / 3 do drop(KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i], ARGV[1]) end
return 0
`;

// ARGV: per counter: floor. Returns settled, reserved per counter.
const readScript = `${prelude}
local out = {}
for i = 1, #KEYS / 3 do
  local settled, reserved = touch(KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i], tonumber(ARGV[i]))
  out[2 * i - 1] = settled
  out[2 * i] = reserved
end
return out
`;

type Script = (keyCount: number, ...args: Array<string | number>) => Promise<unknown>;
interface SpendScripts {
  spendReserve: Script;
  spendExtend: Script;
  spendSettle: Script;
  spendRelease: Script;
  spendRead: Script;
}

export interface RedisCounterStoreOptions {
  url: string;
  /** Prepended to every key, so several gateways (or test runs) can share one Redis. */
  keyPrefix: string;
  /** A command not answered within this fails (the data plane then fails closed or open); default 5000. */
  commandTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface RedisCounterStore extends CounterStore {
  /** Resolves once connected (tests; the data plane serves, failing closed or open, before that). */
  ready(): Promise<void>;
}

export function createRedisCounterStore(options: RedisCounterStoreOptions): RedisCounterStore {
  const connection = openRedisConnection({ ...options, label: 'spend counters' });
  const { redis } = connection;
  redis.defineCommand('spendReserve', { lua: reserveScript });
  redis.defineCommand('spendExtend', { lua: extendScript });
  redis.defineCommand('spendSettle', { lua: settleScript });
  redis.defineCommand('spendRelease', { lua: releaseScript });
  redis.defineCommand('spendRead', { lua: readScript });
  const scripts = redis as unknown as SpendScripts;

  const keysOf = (counters: readonly SpendCounter[]) =>
    counters.flatMap((counter) => {
      const base = `${options.keyPrefix}${counter.key}`;
      return [base, `${base}:holds`, `${base}:amounts`];
    });
  const retainOf = (counter: SpendCounter) => (counter.retainMs === null ? '' : counter.retainMs);

  return {
    async reserve(reservationId, amountMicros, ttlMs, counters): Promise<ReserveOutcome> {
      const keys = keysOf(counters);
      const perCounter = counters.flatMap((counter) => [counter.capMicros ?? '', counter.floorMicros, retainOf(counter)]);
      const result = (await scripts.spendReserve(keys.length, ...keys, reservationId, amountMicros, ttlMs, ...perCounter)) as number[];
      const [refused = 0, settledMicros = 0, reservedMicros = 0] = result;
      if (refused === 0) return { ok: true };
      return { ok: false, counter: refused - 1, reading: { settledMicros, reservedMicros } };
    },
    async extend(reservationId, ttlMs, counters) {
      const keys = keysOf(counters);
      await scripts.spendExtend(keys.length, ...keys, reservationId, ttlMs);
    },
    async settle(reservationId, costMicros, counters) {
      const keys = keysOf(counters);
      await scripts.spendSettle(keys.length, ...keys, reservationId, costMicros, ...counters.flatMap((counter) => [counter.floorMicros, retainOf(counter)]));
    },
    async release(reservationId, counters) {
      const keys = keysOf(counters);
      await scripts.spendRelease(keys.length, ...keys, reservationId);
    },
    async read(counters): Promise<CounterReading[]> {
      const keys = keysOf(counters);
      const values = (await scripts.spendRead(keys.length, ...keys, ...counters.map((counter) => counter.floorMicros))) as number[];
      return counters.map((_, index) => ({ settledMicros: values[2 * index] ?? 0, reservedMicros: values[2 * index + 1] ?? 0 }));
    },
    unreachable: connection.unreachable,
    ready: connection.ready,
    async close() {
      redis.disconnect();
    },
  };
}
