// Starts the whole gateway for a cross-plane test: the OpenAI simulator as the upstream, a control
// plane on a fresh database (PGlite in a temp dir, or a fresh PostgreSQL database), and a data plane
// subscribed to it. Every part can be stopped and restarted on the same ports and state.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JWK } from 'jose';
import OpenAI from 'openai';
import { afterAll, beforeAll } from 'vitest';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../../control-plane/src/app.ts';
import { startDataPlane, type DataPlane } from '../../data-plane/src/start-data-plane.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../simulators/openai/openai-simulator.ts';
import { lateBound } from './late-bound.ts';
import { createTestDatabase, type TestEngine } from './test-database.ts';
import { silentLogger, type Logger } from '../../shared/src/logger.ts';

export const SIMULATOR_MODEL = 'simulator/echo';

export interface Gateway {
  simulator: OpenAISimulator;
  controlPlane: ControlPlane | null;
  dataPlane: DataPlane | null;
  dataDir: string;
  dataPlaneStateDir: string;
  databaseUrl: string | undefined;
  controlPlanePort: number;
  dataPlanePort: number;
  /** The seeded dev key. */
  apiKey: string;
  /**
   * The platform provider keys the data plane sends, by variable name. A data plane reads them from its
   * environment once at start; the harness hands it this map instead, so a test adds or changes one later.
   */
  providerKeys: Map<string, string>;
  client(apiKey?: string): OpenAI;
  /** `keyring`: BYOK master keys to start with instead of the generated development key. */
  startControlPlane(keyring?: Pick<ControlPlaneOptions, 'masterKeys' | 'masterKeyVersion'>): Promise<ControlPlane>;
  startDataPlane(): Promise<DataPlane>;
  /** Something to stop when the gateway closes, after its planes (e.g. an upstream added to its catalog). */
  onClose(stop: () => Promise<void>): void;
  close(): Promise<void>;
}

/**
 * The gateway of a describe block: started in its beforeAll (before the hooks registered after this call),
 * closed in its afterAll. What it returns stands for the gateway in the block's tests and later hooks.
 */
export function useGateway(engine: TestEngine): Gateway {
  const gateway = lateBound<Gateway>('the gateway');
  let started: Gateway | undefined;
  beforeAll(async () => {
    started = await startGateway(engine);
    gateway.set(started);
  });
  afterAll(() => started?.close());
  return gateway.value;
}

/** `logger`: both planes' log (default: dropped). */
export async function startGateway(engine: TestEngine, options: { logger?: Logger } = {}): Promise<Gateway> {
  const logger = options.logger ?? silentLogger;
  const createdDatabase = await createTestDatabase(engine);
  const dataDir = createdDatabase.dataDir;
  const simulator = await startOpenAISimulator();
  const stops: Array<() => Promise<void>> = [];
  const gateway: Gateway = {
    simulator,
    controlPlane: null,
    dataPlane: null,
    dataDir,
    dataPlaneStateDir: join(dataDir, 'data-plane'),
    databaseUrl: createdDatabase.databaseUrl,
    controlPlanePort: 0,
    dataPlanePort: 0,
    apiKey: '',
    providerKeys: new Map(),
    client(apiKey = gateway.apiKey) {
      if (!gateway.dataPlane) throw new Error('data plane is not running');
      return new OpenAI({ apiKey, baseURL: `${gateway.dataPlane.url}/v1`, maxRetries: 0 });
    },
    async startControlPlane(keyring = {}) {
      gateway.controlPlane = await startControlPlane({
        ...keyring,
        // The first start lets the kernel pick the port (0): a port picked free earlier can be taken by a
        // parallel suite during the seconds of migrations before the bind (seen in CI). A restart comes back
        // on the same port, where the data plane looks for it.
        port: gateway.controlPlanePort,
        dataDir,
        databaseUrl: createdDatabase.databaseUrl,
        simulatorBaseUrl: simulator.baseUrl,
        // The simulators listen on 127.0.0.1.
        allowPrivateUpstreams: true,
        logger,
      });
      gateway.controlPlanePort = gateway.controlPlane.port;
      if (gateway.controlPlane.devApiKey) gateway.apiKey = gateway.controlPlane.devApiKey;
      return gateway.controlPlane;
    },
    async startDataPlane() {
      const controlPlane = gateway.controlPlane;
      if (!controlPlane && !gateway.apiKey) throw new Error('start the control plane once first');
      // The kernel picks the port (0): a port picked free earlier can be taken by a parallel suite before
      // the bind (seen in CI). A restart gets a new port too, which it needs anyway: an in-process restart
      // is not a process restart, and the closed instance keeps clients' kept-alive connections (answering
      // them 503).
      gateway.dataPlane = await startDataPlane({
        port: 0,
        controlPlaneUrl: `http://127.0.0.1:${gateway.controlPlanePort}`,
        dataPlaneToken: dataPlaneCredentials.token,
        snapshotPublicJwk: dataPlaneCredentials.publicJwk,
        byokPrivateJwk: dataPlaneCredentials.byokPrivateJwk,
        stateDir: gateway.dataPlaneStateDir,
        usageFlushIntervalMs: 20,
        allowPrivateUpstreams: true,
        providerKeys: gateway.providerKeys,
        logger,
      });
      gateway.dataPlanePort = gateway.dataPlane.port;
      return gateway.dataPlane;
    },
    onClose(stop) {
      stops.push(stop);
    },
    async close() {
      await gateway.dataPlane?.close();
      await gateway.controlPlane?.close();
      for (const stop of stops) await stop();
      await simulator.close();
      await createdDatabase.drop();
    },
  };
  const first = await gateway.startControlPlane();
  // Kept so the data plane can be restarted while the control plane is down.
  const dataPlaneCredentials = {
    token: first.dataPlaneToken,
    publicJwk: first.publicJwk,
    byokPrivateJwk: JSON.parse(await readFile(first.dataPlaneEncryptionKeyFile!, 'utf8')) as JWK,
  };
  await gateway.startDataPlane();
  await gateway.dataPlane!.waitForSnapshot();
  return gateway;
}
