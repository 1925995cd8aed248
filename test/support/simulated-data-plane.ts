// A data plane on the fake control plane with the OpenAI simulator as its upstream, started before a
// describe block's (or each) test and closed after: the setup the data-plane tests share.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { DataPlaneOptions } from '../../data-plane/src/start-data-plane.ts';
import { startDataPlaneFixture, UPSTREAM_KEY_ENV, type DataPlaneFixture } from '../../data-plane/src/testing/data-plane-fixture.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../simulators/openai/openai-simulator.ts';
import { lateBound } from './late-bound.ts';

export interface SimulatedDataPlane {
  simulator: OpenAISimulator;
  fixture: DataPlaneFixture;
}

export interface SimulatedDataPlaneOptions {
  /** A fresh simulator and data plane for every test instead of one per block. */
  each?: boolean;
  /** Sets the fixture's platform key variable (UPSTREAM_KEY_ENV) while they run. */
  upstreamKey?: string;
  fixture?: Partial<DataPlaneOptions> & { publish?: boolean };
}

/** Call at the top of a file or inside a describe block; the fields stand for the running ones once its hook has run. */
export function useSimulatedDataPlane(options: SimulatedDataPlaneOptions = {}): SimulatedDataPlane {
  const simulator = lateBound<OpenAISimulator>('the simulator');
  const fixture = lateBound<DataPlaneFixture>('the data plane fixture');
  let running: { simulator?: OpenAISimulator; fixture?: DataPlaneFixture } = {};
  (options.each ? beforeEach : beforeAll)(async () => {
    if (options.upstreamKey !== undefined) process.env[UPSTREAM_KEY_ENV] = options.upstreamKey;
    const started = await startOpenAISimulator();
    running = { simulator: started };
    simulator.set(started);
    running.fixture = await startDataPlaneFixture(started.baseUrl, options.fixture);
    fixture.set(running.fixture);
  });
  (options.each ? afterEach : afterAll)(async () => {
    await running.fixture?.close();
    await running.simulator?.close();
    if (options.upstreamKey !== undefined) delete process.env[UPSTREAM_KEY_ENV];
  });
  return { simulator: simulator.value, fixture: fixture.value };
}
