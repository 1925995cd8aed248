// Deadlines for what happens eventually (a snapshot reaching the data plane, a usage row landing, a child
// process starting). They only turn a hang into a failure and never measure speed, so they sit far above
// what the busiest moment of our shared machines needs: a full run at load average 18 saw a child plane
// take more than 20 s to answer its health check and a whole gateway more than 60 s to start. Speed is the
// benchmark's business.
export const EVENTUALLY = { timeout: 60_000, interval: 20 } as const;

/** A child process (a plane on its own, `npm start`) becoming ready. */
export const PROCESS_START_MS = 120_000;

/** vitest's per-test and per-hook limits (hooks start whole gateways). */
export const TEST_TIMEOUT_MS = 180_000;
export const HOOK_TIMEOUT_MS = 300_000;

/** A test that starts and kills processes several times in a row. */
export const CHAOS_TEST_TIMEOUT_MS = 600_000;
