// A data plane on the fake control plane with the OpenAI simulator as its upstream, started before a
// describe block's tests and closed after them: the setup the data-plane attack tests share.
import { afterAll, beforeAll } from 'vitest';
import { startDataPlaneFixture, type DataPlaneFixture } from '../../data-plane/src/testing/data-plane-fixture.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../simulators/openai/openai-simulator.ts';

export interface SimulatedDataPlane {
  simulator: OpenAISimulator;
  fixture: DataPlaneFixture;
}

/** Call inside a describe block; the fields are set once its beforeAll has run. */
export function useSimulatedDataPlane(): SimulatedDataPlane {
  const running = {} as SimulatedDataPlane;
  beforeAll(async () => {
    running.simulator = await startOpenAISimulator();
    running.fixture = await startDataPlaneFixture(running.simulator.baseUrl);
  });
  afterAll(async () => {
    await running.fixture?.close();
    await running.simulator?.close();
  });
  return running;
}
