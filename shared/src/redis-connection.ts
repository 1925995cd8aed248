// The data plane's Redis connections (spend counters, rate limits) fail fast: commands sent before the
// first connection wait for it, but once a connection failed or was lost every command is refused at once
// until the next one is ready (issue 13, defect 10), instead of each waiting for a reconnect to fail.
import { Redis } from 'ioredis';

export interface RedisConnection {
  redis: Redis;
  /** Why Redis cannot be reached now, or null while connected (or before the first attempt ended). */
  unreachable(): string | null;
  /** Resolves once connected; rejects if the first attempt failed. */
  ready(): Promise<void>;
}

export function openRedisConnection(options: { url: string; commandTimeoutMs?: number; log?: (line: string) => void; label: string }): RedisConnection {
  const redis = new Redis(options.url, {
    // No retries: while Redis is down a command fails at the next reconnect attempt that fails.
    maxRetriesPerRequest: 0,
    // Generous: a busy event loop must not turn a slow answer into a refusal.
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    lazyConnect: true,
  });
  let lastError = '';
  let down: string | null = null;
  redis.on('error', (error: Error) => {
    // ioredis reports every failed reconnect; one line per distinct failure is enough.
    if (error.message !== lastError) options.log?.(`${options.label}: redis: ${error.message}`);
    lastError = error.message;
    if (redis.status !== 'ready') down = `redis: ${error.message}`;
  });
  redis.on('close', () => {
    down ??= 'redis: connection closed';
  });
  redis.on('ready', () => {
    lastError = '';
    down = null;
  });
  const connecting = redis.connect().catch(() => {
    // Reported by the 'error' listener; ioredis keeps reconnecting.
  });
  return {
    redis,
    unreachable: () => down,
    ready: () => connecting.then(() => (redis.status === 'ready' ? undefined : Promise.reject(new Error(`redis is ${redis.status}`)))),
  };
}
