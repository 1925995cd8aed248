// `npm start`: the whole gateway on one machine for a first try — control plane on the embedded
// database, a data plane subscribed to it and, unless a real provider key is configured, the built-in
// OpenAI-compatible upstream simulator behind the `simulator/*` models.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JWK } from 'jose';
import { startControlPlane } from '../control-plane/src/app.ts';
import { startDataPlane } from '../data-plane/src/start-data-plane.ts';
import { startOpenAISimulator } from '../simulators/openai/openai-simulator.ts';

const help = `Usage: npm start [-- --help]

Runs the control plane, a data plane and (for a first try) the upstream simulator in one process.

Environment:
  GATEWAY_DATA_DIR      where the embedded database, keys and spool live      default ./.data
  DATABASE_URL          use this PostgreSQL instead of the embedded PGlite    default unset
  CONTROL_PLANE_PORT    control plane (GraphQL /graphql, tRPC /trpc)          default 4000
  DATA_PLANE_PORT       data plane (OpenAI-compatible API)                   default 8080
  SIMULATOR_PORT        built-in upstream simulator                          default 4010
  OPENAI_API_KEY        when set, the simulator is not started and openai/* models use OpenAI
  GATEWAY_MASTER_KEYS   BYOK master keys "1:<base64 32 bytes>,2:..."         default generated into
                        <data dir>/keys/byok-master-keys on first start
  GATEWAY_MASTER_KEY_VERSION  the version that wraps new BYOK keys          default the highest
`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(help);
  process.exit(0);
}

const dataDir = resolve(process.env.GATEWAY_DATA_DIR ?? '.data');
mkdirSync(dataDir, { recursive: true });
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const log = (line: string) => process.stdout.write(`${line}\n`);

const simulator = process.env.OPENAI_API_KEY ? null : await startOpenAISimulator({ port: port('SIMULATOR_PORT', 4010) });

const controlPlane = await startControlPlane({
  port: port('CONTROL_PLANE_PORT', 4000),
  dataDir,
  databaseUrl: process.env.DATABASE_URL,
  simulatorBaseUrl: simulator?.baseUrl ?? null,
  masterKeys: process.env.GATEWAY_MASTER_KEYS,
  masterKeyVersion: process.env.GATEWAY_MASTER_KEY_VERSION,
  log,
});

const dataPlane = await startDataPlane({
  port: port('DATA_PLANE_PORT', 8080),
  controlPlaneUrl: controlPlane.url,
  dataPlaneToken: controlPlane.dataPlaneToken,
  snapshotPublicJwk: controlPlane.publicJwk,
  // The key pair the control plane generated for BYOK keys in snapshots (none when only its public half is configured).
  byokPrivateJwk: controlPlane.dataPlaneEncryptionKeyFile ? (JSON.parse(readFileSync(controlPlane.dataPlaneEncryptionKeyFile, 'utf8')) as JWK) : null,
  stateDir: join(dataDir, 'data-plane'),
  log,
});
await dataPlane.waitForSnapshot();

const devKeyFile = join(dataDir, 'dev-key');
log('');
log(`Gateway ready.`);
log(`  Data plane (OpenAI-compatible): ${dataPlane.url}/v1   (also ${dataPlane.url}/api/gateway)`);
log(`  Control plane:                  ${controlPlane.url}/graphql and ${controlPlane.url}/trpc`);
log(
  simulator
    ? `  Upstream simulator:             ${simulator.baseUrl} (models simulator/*; set OPENAI_API_KEY to use OpenAI)`
    : '  Upstream simulator:             off (OPENAI_API_KEY is set)',
);
if (controlPlane.devApiKey) {
  log(`  Dev API key (shown once, also saved to ${devKeyFile}):`);
  log(`    ${controlPlane.devApiKey}`);
} else {
  log(`  Dev API key: ${readFileSync(devKeyFile, 'utf8').trim().slice(0, 10)}… (in ${devKeyFile})`);
}
log('');
log(`Try: curl ${dataPlane.url}/v1/chat/completions -H "Authorization: Bearer $(cat ${devKeyFile})" \\`);
log(`       -H 'content-type: application/json' -d '{"model":"simulator/echo","messages":[{"role":"user","content":"Hello"}]}'`);

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  log(`${signal}: shutting down`);
  await dataPlane.close();
  await controlPlane.close();
  await simulator?.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
