// The one way tests wait for a value that turns up eventually where `expect.poll` does not fit: in hooks
// (expect.poll needs a running test) and where the test needs the value itself. The polling is vitest's
// own; this adds "undefined means not yet, a throw means give up now", a message naming what never came,
// and the suites' generous default deadline.
import { vi } from 'vitest';
import { EVENTUALLY } from './eventually.ts';

export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, options: { what: string; timeoutMs?: number }): Promise<T> {
  const outcome = await vi.waitFor(
    async (): Promise<{ value: T } | { error: unknown }> => {
      let value: T | undefined;
      try {
        value = await probe();
      } catch (error) {
        return { error };
      }
      if (value === undefined) throw new Error(`timed out waiting for ${options.what}`);
      return { value };
    },
    { timeout: options.timeoutMs ?? EVENTUALLY.timeout, interval: EVENTUALLY.interval },
  );
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}
